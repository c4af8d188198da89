package io.kovn.ovn.config;

import java.util.List;

/** docs/configuration.md, generated from the option declarations: one table per program. */
public final class ReferenceDoc {
    private ReferenceDoc() {
    }

    public static String markdown(List<OptionSet> programs) {
        StringBuilder b = new StringBuilder();
        b.append("# Configuration reference\n\n")
                .append("<!-- Generated from the option declarations (io.kovn.ovn.config.Option); do not edit. -->\n")
                .append("<!-- Regenerate: mvn -B -pl cli -am verify -Dtest=ConfigurationDocTest "
                        + "-Dsurefire.failIfNoSpecifiedTests=false -Dkovn.writeDocs=true -->\n\n")
                .append("Every program takes each option from, in increasing precedence: its default; on a node, the ")
                .append("local Open_vSwitch table's `external_ids` (the keys the original guides use, listed below); ")
                .append("a YAML config file (`--config FILE` or `KOVN_CONFIG`); an environment variable; a flag. ")
                .append("The config file is a flat mapping of the option names below to values, lists as YAML ")
                .append("sequences or comma-separated; a key that is not an option of the program is an error:\n\n")
                .append("```yaml\nnb-address: ssl:10.0.0.1:6641\nnb-private-key: /etc/kovn/nb-client.key\n")
                .append("nb-certificate: /etc/kovn/nb-client.pem\nnb-ca-cert: /etc/kovn/nb-ca.pem\n")
                .append("cluster-subnet: 10.244.0.0/16\nleader-election: true\n```\n\n")
                .append("An invalid value stops the program at start with one line naming the option, where the value ")
                .append("came from and what is allowed. `kovn config show <program> [options]` prints the effective ")
                .append("configuration and the source of each value (secrets redacted); each program logs the same ")
                .append("once at start. Durations are written `500ms`, `30s`, `5m`, `1h` (a bare number is seconds). ")
                .append("Switches take `--name` / `--no-name` as flags and `true` / `false` elsewhere. ")
                .append("`kovn controller` and `kovn node` are also the main classes `io.kovn.controller.ControllerMain` ")
                .append("and `io.kovn.node.NodeMain` (one parser for both): the sandbox starts every controller and ")
                .append("node agent that way, each with a generated config file (`controller.yaml`, ")
                .append("`nodes/<node>/node.yaml` in its state directory), and `kovn sandbox status` shows their ")
                .append("command lines.\n");
        for (OptionSet set : programs) {
            b.append("\n## kovn ").append(set.program()).append("\n\n").append(set.description()).append("\n\n")
                    .append("| Option | Environment | Config key | Default | Meaning |\n")
                    .append("|---|---|---|---|---|\n");
            for (Option<?> o : set.options()) {
                String flag = o.isBoolean() ? "`--[no-]" + o.name() + "`" : "`" + o.flag() + " " + o.label() + "`";
                String meaning = o.help() + (o.isSecret() ? " (secret: redacted when shown)" : "")
                        + (o.ovsKey() == null ? "" : "; else `external_ids:" + o.ovsKey() + "`");
                b.append("| ").append(cell(flag)).append(" | `").append(o.env()).append("` | `").append(o.key())
                        .append("` | ").append(cell(o.defaultText())).append(" | ").append(cell(meaning)).append(" |\n");
            }
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}

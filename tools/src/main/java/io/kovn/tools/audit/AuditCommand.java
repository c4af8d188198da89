package io.kovn.tools.audit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.ControllerOptions;
import io.kovn.controller.NbAudit;
import io.kovn.ovn.config.ConfigException;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.ovn.ops.NbDrift;
import io.kovn.tools.ToolOptions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code kovn audit [--fix] [--json]}: every NB row that differs from what the Kubernetes objects imply. Exit
 * status 0 when NB is in line (or was fixed), 1 when rows differ.
 */
public final class AuditCommand {
    public static final OptionSet SET = OptionSet.of("audit",
            "Compare NB with what the Kubernetes objects imply: the controller's full sync, run dry against the live "
                    + "NB; prints every row that is missing, stale or has changed columns, without writing. --fix "
                    + "writes the difference in one transaction. Give the controller's network options.", all());

    private AuditCommand() {
    }

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>(List.of(ControllerOptions.KUBECONFIG));
        all.addAll(ControllerOptions.NB.all());
        all.addAll(List.of(ControllerOptions.CLUSTER_SUBNET, ControllerOptions.NODE_SUBNET_PREFIX,
                ControllerOptions.SERVICE_CIDR, ControllerOptions.JOIN_SUBNET, ControllerOptions.SYNC_TIMEOUT));
        return all;
    }

    public static CommandLine command() {
        OptionSpec fix = OptionSpec.builder("--fix").type(boolean.class).arity("0")
                .description("write what differs (one NB transaction)").build();
        OptionSpec json = OptionSpec.builder("--json").type(boolean.class).arity("0")
                .description("print the rows as JSON").build();
        CommandLine cl = ProgramCommand.commandLine(SET, c -> run(c, Boolean.TRUE.equals(fix.getValue()),
                Boolean.TRUE.equals(json.getValue())));
        cl.getCommandSpec().addOption(fix).addOption(json);
        return cl;
    }

    private static int run(Configuration c, boolean fix, boolean json) throws Exception {
        ControllerConfig config = config(c);
        NbAudit.Result r;
        try (KubernetesClient kube = ToolOptions.kube(c)) {
            r = NbAudit.run(config, kube, fix);
        }
        if (json) {
            System.out.println(ToolOptions.JSON.writeValueAsString(r));
        } else {
            r.rows().forEach(row -> System.out.println(row.describe()));
            r.skipped().forEach((k, why) -> System.out.println("SKIPPED " + k + ": " + why));
            System.out.println(summary(r));
        }
        return r.rows().isEmpty() || r.fixed() ? 0 : 1;
    }

    static String summary(NbAudit.Result r) {
        if (r.rows().isEmpty()) {
            return "audit: NB is in line with the Kubernetes objects (0 rows differ)";
        }
        long missing = r.rows().stream().filter(x -> x.kind() == NbDrift.Kind.MISSING).count();
        long stale = r.rows().stream().filter(x -> x.kind() == NbDrift.Kind.STALE).count();
        long changed = r.rows().size() - missing - stale;
        return "audit: " + r.rows().size() + " rows differ (" + missing + " missing, " + stale + " stale, " + changed
                + " changed)" + (r.fixed() ? "; fixed in one NB transaction" : "; `kovn audit --fix` writes them");
    }

    private static ControllerConfig config(Configuration c) {
        OvsdbRemoteOptions.Connection nb = ControllerOptions.NB.connection(c);
        try {
            return ControllerConfig.builder(nb.remotes()).tls(nb.tls()).clusterSubnet(c.get(ControllerOptions.CLUSTER_SUBNET))
                    .nodeSubnetPrefix(c.get(ControllerOptions.NODE_SUBNET_PREFIX))
                    .serviceCidr(c.get(ControllerOptions.SERVICE_CIDR)).joinSubnet(c.get(ControllerOptions.JOIN_SUBNET))
                    .syncTimeout(c.get(ControllerOptions.SYNC_TIMEOUT)).leaderElection(false).metricsPort(-1).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}

package io.kovn.cli;

import io.kovn.controller.ControllerMain;
import io.kovn.controller.MasterInitCommand;
import io.kovn.node.MinionInitCommand;
import io.kovn.node.NodeMain;
import io.kovn.tools.audit.AuditCommand;
import io.kovn.tools.topology.TopologyCommand;
import io.kovn.tools.trace.TraceCommand;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kovn} command. */
@Command(name = "kovn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Kubernetes networking on OVN: components, init steps, sandbox, benchmarks.",
        subcommands = {CommandLine.HelpCommand.class, NicsToBridgeCommand.class, BridgeToNicsCommand.class,
                PkiCommand.class,
                BenchCommand.class, io.kovn.cli.sandbox.SandboxCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * {@code kovn node} builds the agent's command alone: the whole tree (benchmarks, sandbox, controller, tools) kept
     * picocli's models of every command, 2.5 MiB of heap and 100 classes more in the agent on every node.
     */
    public static int run(String... args) {
        if (args.length > 0 && "node".equals(args[0])) {
            return NodeMain.command().setCommandName("kovn node").setCaseInsensitiveEnumValuesAllowed(true)
                    .execute(Arrays.copyOfRange(args, 1, args.length));
        }
        return commandLine().execute(args);
    }

    /** The whole command tree; the programs' commands are those their modules declare (docs/configuration.md). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand("controller", ControllerMain.command());
        cl.addSubcommand("master-init", MasterInitCommand.command());
        cl.addSubcommand("node", NodeMain.command());
        cl.addSubcommand("minion-init", MinionInitCommand.command());
        cl.addSubcommand("gateway-init", GatewayInitCommand.command());
        cl.addSubcommand("config", ConfigCommand.command());
        cl.addSubcommand("nb", NbCommand.command());
        cl.addSubcommand("manifests", ManifestsCommand.command());
        cl.addSubcommand("install-host", InstallHostCommand.command());
        cl.addSubcommand("trace", TraceCommand.command());
        cl.addSubcommand("audit", AuditCommand.command());
        cl.addSubcommand("topology", TopologyCommand.command());
        return cl.setCaseInsensitiveEnumValuesAllowed(true);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kovn " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}

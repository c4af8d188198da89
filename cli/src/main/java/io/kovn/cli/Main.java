package io.kovn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kovn} command. */
@Command(name = "kovn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Kubernetes networking on OVN: components, init steps, sandbox, benchmarks.",
        subcommands = {CommandLine.HelpCommand.class, ControllerCommand.class, MasterInitCommand.class, NodeCommand.class,
                MinionInitCommand.class, GatewayInitCommand.class, NicsToBridgeCommand.class, BridgeToNicsCommand.class,
                PkiCommand.class,
                BenchCommand.class, io.kovn.cli.sandbox.SandboxCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kovn " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}

package io.kovn.cli;

import io.kovn.controller.ControllerOptions;
import io.kovn.controller.MasterInitCommand;
import io.kovn.node.MinionInitCommand;
import io.kovn.node.NodeMain;
import io.kovn.node.NodeOptions;
import io.kovn.node.gateway.GatewayInitOptions;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.ProgramCommand;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code kovn config show <program> [the program's options]}: the effective configuration and where each value
 * came from, secrets redacted, resolved exactly as the program resolves it.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Show a program's effective configuration.")
final class ConfigCommand {

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the effective configuration of a program given the same options, config file and "
                    + "environment, with the source of each value (default, OVS external_ids, config file, "
                    + "environment, flag); secrets are redacted.")
    static final class Show {
    }

    private ConfigCommand() {
    }

    static CommandLine command() {
        return command(System.getenv(), new PrintWriter(System.out, true));
    }

    /** With this environment, printing to {@code out}. */
    static CommandLine command(Map<String, String> env, PrintWriter out) {
        CommandLine show = new CommandLine(new Show());
        show.addSubcommand(printer(ControllerOptions.SET, env, s -> s.resolve(ControllerOptions.SET),
                ControllerOptions::config, out));
        show.addSubcommand(printer(NodeOptions.SET, env, NodeMain.resolver(NodeOptions.SET), NodeOptions::config, out));
        show.addSubcommand(printer(MasterInitCommand.SET, env, s -> s.resolve(MasterInitCommand.SET),
                ControllerOptions.NB::connection, out));
        show.addSubcommand(printer(MinionInitCommand.SET, env, NodeMain.resolver(MinionInitCommand.SET),
                NodeOptions::config, out));
        show.addSubcommand(printer(GatewayInitOptions.SET, env, s -> s.resolve(GatewayInitOptions.SET), c -> {
            NodeOptions.gateway(c);
            return GatewayInitOptions.NB.connection(c);
        }, out));
        CommandLine config = new CommandLine(new ConfigCommand());
        config.addSubcommand(show);
        return config;
    }

    /** {@code check} builds what the program would build, so that cross-option errors show as they would at start. */
    private static CommandLine printer(OptionSet set, Map<String, String> env, ProgramCommand.Resolver resolver,
                                       Function<Configuration, ?> check, PrintWriter out) {
        return ProgramCommand.commandLine(set, env, resolver, c -> {
            check.apply(c);
            out.println("# kovn " + set.program() + ": effective configuration");
            c.describe().forEach(out::println);
            out.flush();
            return 0;
        });
    }
}

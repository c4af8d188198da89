package io.kovn.cli;

import io.kovn.controller.ControllerOptions;
import io.kovn.ovn.Databases;
import io.kovn.ovn.backup.DatabaseBackup;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.ovsdb.client.OvsdbClient;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code kovn nb backup|restore FILE}: a consistent copy of the Northbound database, and its restore. */
final class NbCommand {
    static final OptionSet BACKUP = OptionSet.of("backup",
            "Write every NB row to FILE (JSON, mode 0600), read in one transaction.", ControllerOptions.NB.all());
    static final OptionSet RESTORE = OptionSet.of("restore",
            "Restore FILE into a new, empty NB database (cluster), in one transaction; refuses a database that holds "
                    + "rows already (but for NB_Global, which is updated).", ControllerOptions.NB.all());

    private NbCommand() {
    }

    static CommandLine command() {
        CommandLine nb = new CommandLine(CommandSpec.create().name("nb").mixinStandardHelpOptions(true));
        nb.getCommandSpec().usageMessage().description("Northbound database backup and restore.");
        nb.addSubcommand("backup", withFile(BACKUP, NbCommand::backup));
        nb.addSubcommand("restore", withFile(RESTORE, NbCommand::restore));
        return nb;
    }

    private interface FileBody {
        int run(Configuration cfg, Path file) throws Exception;
    }

    /** The option set's command plus the positional FILE. */
    private static CommandLine withFile(OptionSet set, FileBody body) {
        PositionalParamSpec file = PositionalParamSpec.builder().paramLabel("FILE").type(Path.class).arity("1")
                .description("the backup file").build();
        CommandLine cl = ProgramCommand.commandLine(set, cfg -> body.run(cfg, file.getValue()));
        cl.getCommandSpec().addPositional(file);
        return cl;
    }

    private static int backup(Configuration cfg, Path file) throws Exception {
        OvsdbRemoteOptions.Connection nb = ControllerOptions.NB.connection(cfg);
        try (OvsdbClient client = new OvsdbClient(nb.remotes(), nb.clientOptions()).connectSync()) {
            DatabaseBackup.Summary s = DatabaseBackup.backup(client, Databases.NORTHBOUND, file);
            System.out.printf("nb backup: %d rows of %s %s written to %s%n", s.rows(), s.database(), s.schemaVersion(),
                    file);
        }
        return 0;
    }

    private static int restore(Configuration cfg, Path file) throws Exception {
        OvsdbRemoteOptions.Connection nb = ControllerOptions.NB.connection(cfg);
        try (OvsdbClient client = new OvsdbClient(nb.remotes(), nb.clientOptions()).connectSync()) {
            DatabaseBackup.Summary s = DatabaseBackup.restore(client, file);
            System.out.printf("nb restore: %d rows of %s written from %s%n", s.rows(), s.database(), file);
        } catch (IllegalArgumentException | IllegalStateException e) { // not a backup, or not an empty database
            System.err.println("kovn nb restore: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}

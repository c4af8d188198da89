package io.kovn.cli;

import io.kovn.ovn.Databases;
import io.kovn.ovn.backup.DatabaseBackup;
import io.kovn.ovsdb.client.OvsdbClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code kovn nb backup|restore FILE}: a consistent copy of the Northbound database, and its restore. */
@Command(name = "nb", mixinStandardHelpOptions = true, description = "Northbound database backup and restore.",
        subcommands = {NbCommand.Backup.class, NbCommand.Restore.class})
final class NbCommand {

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Write every NB row to FILE (JSON, mode 0600), read in one transaction.")
    static final class Backup implements Callable<Integer> {
        @ArgGroup(exclusive = false, multiplicity = "1", heading = "OVN Northbound database:%n")
        NbOptions nb;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            try (OvsdbClient client = new OvsdbClient(nb.address, nb.clientOptions()).connectSync()) {
                DatabaseBackup.Summary s = DatabaseBackup.backup(client, Databases.NORTHBOUND, file);
                System.out.printf("nb backup: %d rows of %s %s written to %s%n", s.rows(), s.database(),
                        s.schemaVersion(), file);
            }
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore FILE into a new, empty NB database (cluster), in one transaction; refuses a "
                    + "database that holds rows already (but for NB_Global, which is updated).")
    static final class Restore implements Callable<Integer> {
        @ArgGroup(exclusive = false, multiplicity = "1", heading = "OVN Northbound database:%n")
        NbOptions nb;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            try (OvsdbClient client = new OvsdbClient(nb.address, nb.clientOptions()).connectSync()) {
                DatabaseBackup.Summary s = DatabaseBackup.restore(client, file);
                System.out.printf("nb restore: %d rows of %s written from %s%n", s.rows(), s.database(), file);
            } catch (IllegalArgumentException | IllegalStateException e) { // not a backup, or not an empty database
                System.err.println("kovn nb restore: " + e.getMessage());
                return 1;
            }
            return 0;
        }
    }
}

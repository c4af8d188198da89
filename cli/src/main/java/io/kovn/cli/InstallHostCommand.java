package io.kovn.cli;

import io.kovn.deploy.host.HostInstallOptions;
import io.kovn.deploy.host.HostInstallPlan;
import io.kovn.deploy.host.HostStep;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.ProgramCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code kovn install-host}: carries out (or with {@code --dry-run} prints) the {@link HostInstallPlan} of a
 * role. Files are written whole to a temporary name and moved into place; commands run one by one and the first
 * that fails (or runs longer than two minutes) stops the install with its exit code.
 */
final class InstallHostCommand {
    private static final long STEP_TIMEOUT_MINUTES = 2;

    private InstallHostCommand() {
    }

    static CommandLine command() {
        return command(new PrintWriter(System.out, true));
    }

    static CommandLine command(PrintWriter out) {
        return ProgramCommand.commandLine(HostInstallOptions.SET, c -> run(c, out));
    }

    private static int run(Configuration c, PrintWriter out) throws IOException, InterruptedException {
        String home = System.getProperty("kovn.home");
        List<HostStep> plan = HostInstallPlan.of(c, home == null ? null : Path.of(home).toAbsolutePath());
        boolean dryRun = c.get(HostInstallOptions.DRY_RUN);
        for (HostStep step : plan) {
            out.println((dryRun ? "would " : "") + step.describe());
            out.flush();
            if (dryRun) {
                continue;
            }
            if (step instanceof HostStep.WriteFile f) {
                write(Path.of(f.path()), f.content(), f.mode());
            } else if (step instanceof HostStep.Run r) {
                int rc = exec(r.argv());
                if (rc != 0) {
                    out.println("install-host: " + String.join(" ", r.argv()) + " failed (exit " + rc + "); stopped");
                    return rc;
                }
            }
        }
        return 0;
    }

    private static void write(Path path, String content, int mode) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, permissions(mode));
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                p.add(order[bit]);
            }
        }
        return p;
    }

    private static int exec(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).inheritIO().start();
        if (!p.waitFor(STEP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return 124;
        }
        return p.exitValue();
    }
}

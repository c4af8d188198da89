package io.kovn.cli;

import io.kovn.deploy.manifests.ManifestOptions;
import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.ProgramCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** {@code kovn manifests}: the Kubernetes manifests ({@link Manifests}), to standard output or a directory. */
final class ManifestsCommand {
    private ManifestsCommand() {
    }

    static CommandLine command() {
        return command(new PrintWriter(System.out, true));
    }

    static CommandLine command(PrintWriter out) {
        return ProgramCommand.commandLine(ManifestOptions.SET, c -> run(c, out));
    }

    private static int run(Configuration c, PrintWriter out) throws IOException {
        ManifestSettings settings = ManifestOptions.settings(c);
        String yaml = Manifests.yaml(settings);
        Path dir = c.get(ManifestOptions.OUTPUT);
        if (dir == null) {
            out.print(yaml);
            out.flush();
            return 0;
        }
        Files.createDirectories(dir);
        Path file = dir.resolve(settings.fileName());
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        out.println("wrote " + file);
        return 0;
    }
}

package io.kovn.sandbox;

import io.kovn.sandbox.image.PodmanLauncher;
import io.kovn.sandbox.state.SandboxState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The files of a sandbox's state directory, and their removal: only what a sandbox writes there is ever deleted. */
final class SandboxFiles {
    private static final Logger log = LoggerFactory.getLogger(SandboxFiles.class);
    static final String LOGBACK = "logback.xml";
    /** What a sandbox writes into its state directory; nothing else there is ever removed. */
    static final List<String> STATE_ENTRIES = List.of(SandboxState.FILE, SandboxState.FILE + ".tmp", LOGBACK,
            "kubeconfig", ".kubeconfig.tmp", Sandbox.KUBECONFIGS, "logs", "nodes", "central", "cni-plugin",
            SandboxServe.PROGRESS, SandboxUp.SUPERVISOR_FILE, SandboxUp.LOCK_FILE, SandboxServe.CONFIG_FILE,
            Sandbox.CONTROLLER_CONFIG, SandboxController.configFile(1), SandboxController.configFile(2),
            SandboxControl.SOCKET, PodmanLauncher.CONTAINERS_CONF, Sandbox.API_SOCKET);

    /** The log configuration of the sandbox's JVMs: kovn at INFO, the rest at WARN. */
    static Path writeLogback(Path stateDir) {
        Path f = stateDir.resolve(LOGBACK);
        try {
            Files.createDirectories(stateDir);
            Files.writeString(f, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
                      </appender>
                      <logger name="io.kovn" level="${KOVN_LOG_LEVEL:-INFO}"/>
                      <root level="WARN"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes what a sandbox writes into {@code dir}, then the directory if that left it empty. */
    static void removeStateDir(Path dir) {
        STATE_ENTRIES.forEach(e -> deleteTree(dir.resolve(e)));
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.info("{} is not empty: left in place", dir);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            log.debug("could not remove {}: {}", root, e.toString());
        }
    }

    private SandboxFiles() {
    }
}

package io.kovn.node.cni;

import io.kovn.node.host.CommandException;
import io.kovn.node.host.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Puts the plugin where the container runtime looks: the conflist into the CNI config directory (written last,
 * since kubelet reports the node's network ready once a config exists) and kovn-cni with its jar into the CNI
 * bin directory. Files are replaced by rename, so a runtime never reads half a file.
 */
public final class CniInstaller {
    private static final Logger log = LoggerFactory.getLogger(CniInstaller.class);
    public static final String CONFLIST = "10-kovn.conflist";
    public static final String PLUGIN = "kovn-cni";
    public static final String JAR = "kovn-cni.jar";
    /** The plugin's native call to the agent, next to the jar; optional (the plugin works without, slower). */
    public static final String NATIVE_LIB = "libkovn-cni.so";

    private CniInstaller() {
    }

    /** The conflist text: cniVersion 1.0.0, one kovn-cni plugin that knows the agent's socket. */
    public static String conflist(String networkName, Path socket) {
        ObjectNode root = CniRequest.JSON.createObjectNode().put("cniVersion", "1.0.0").put("name", networkName);
        root.putArray("plugins").addObject().put("type", PLUGIN).put("serverSocket", socket.toString());
        return root.toPrettyString() + "\n";
    }

    public static Path installConfig(Path confDir, String networkName, Path socket) {
        Path target = confDir.resolve(CONFLIST);
        write(target, conflist(networkName, socket).getBytes(java.nio.charset.StandardCharsets.UTF_8), "rw-r--r--");
        log.info("installed CNI config {}", target);
        return target;
    }

    /**
     * Copies kovn-cni, kovn-cni.jar (and libkovn-cni.so when there is one) from {@code source} (an install directory holding both, or a kovn
     * checkout) into {@code binDir} when they differ, then makes the plugin's class-data sharing archive there.
     */
    public static void installPlugin(Path source, Path binDir) {
        Path script = source.resolve(PLUGIN);
        Path jar = source.resolve(JAR);
        if (!Files.isRegularFile(jar)) {
            script = source.resolve("bin").resolve(PLUGIN);
            jar = source.resolve("cni/target").resolve(JAR);
        }
        if (!Files.isRegularFile(script) || !Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + PLUGIN + " and " + JAR + " in " + source
                    + " (nor bin/" + PLUGIN + " and cni/target/" + JAR + "); build the cni module first");
        }
        boolean changed = copyIfDifferent(jar, binDir.resolve(JAR), "rw-r--r--");
        Path lib = jar.resolveSibling(NATIVE_LIB);
        if (Files.isRegularFile(lib)) {
            changed |= copyIfDifferent(lib, binDir.resolve(NATIVE_LIB), "rw-r--r--");
        }
        changed |= copyIfDifferent(script, binDir.resolve(PLUGIN), "rwxr-xr-x");
        Path archive = binDir.resolve("kovn-cni.jsa");
        if (changed || !Files.exists(archive)) {
            try {
                // through bash, not exec'd: a file just written can still be open for writing in a child another
                // thread forked meanwhile (until that child execs), and exec'ing it would fail with ETXTBSY
                new HostCommands(null).run("bash", binDir.resolve(PLUGIN).toString(), "--make-cds-archive");
            } catch (CommandException e) {
                log.warn("could not make the plugin's class-data sharing archive (it starts slower without): {}",
                        e.getMessage());
            }
        }
        log.info("installed CNI plugin {} ({})", binDir.resolve(PLUGIN), changed ? "updated" : "unchanged");
    }

    private static boolean copyIfDifferent(Path from, Path to, String mode) {
        try {
            byte[] content = Files.readAllBytes(from);
            if (Files.isRegularFile(to) && Arrays.equals(content, Files.readAllBytes(to))) {
                return false;
            }
            write(to, content, mode);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + to, e);
        }
    }

    private static void write(Path target, byte[] content, String mode) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            Files.write(tmp, content);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}

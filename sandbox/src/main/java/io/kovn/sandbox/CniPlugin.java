package io.kovn.sandbox;

import io.kovn.testing.Exec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kovn CNI plugin as the sandbox ships it to its nodes: {@code bin/kovn-cni} of the checkout with the
 * plugin jar of this build, and the class-data sharing archive made once, so that each node agent's install
 * step finds the plugin current and does not make the archive again.
 */
final class CniPlugin {
    static final String SCRIPT = "kovn-cni";
    static final String JAR = "kovn-cni.jar";
    static final String ARCHIVE = "kovn-cni.jsa";
    static final String NATIVE_LIB = "libkovn-cni.so";

    private CniPlugin() {
    }

    /** Puts the script, jar and archive into {@code target}; returns it. */
    static Path prepare(Path target) {
        Path script = findScript();
        Path jar = findJar(script);
        try {
            Files.createDirectories(target);
            Files.copy(jar, target.resolve(JAR), StandardCopyOption.REPLACE_EXISTING);
            if (Files.isRegularFile(jar.resolveSibling(NATIVE_LIB))) {
                Files.copy(jar.resolveSibling(NATIVE_LIB), target.resolve(NATIVE_LIB), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(script, target.resolve(SCRIPT), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target.resolve(SCRIPT), PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the CNI plugin in " + target, e);
        }
        Exec.run(List.of(target.resolve(SCRIPT).toString(), "--make-cds-archive"), java.util.Map.of(), target,
                Duration.ofSeconds(60));
        return target;
    }

    /** Copies the prepared plugin into a node's CNI bin directory, the archive last (it must be the newest). */
    static void install(Path prepared, Path binDir) {
        try {
            Files.createDirectories(binDir);
            for (String f : List.of(JAR, NATIVE_LIB, SCRIPT, ARCHIVE)) {
                if (Files.exists(prepared.resolve(f))) {
                    Files.copy(prepared.resolve(f), binDir.resolve(f), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the CNI plugin into " + binDir, e);
        }
    }

    /** bin/kovn-cni of the kovn checkout this runs from (KOVN_HOME, the working directory, or the code's location). */
    static Path findScript() {
        List<Path> starts = new ArrayList<>();
        String home = System.getProperty("kovn.home", System.getenv("KOVN_HOME"));
        if (home != null) {
            starts.add(Path.of(home));
        }
        starts.add(Path.of(System.getProperty("user.dir")));
        codeSource(CniPlugin.class).ifPresent(starts::add);
        for (Path start : starts) {
            for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isExecutable(p.resolve("bin").resolve(SCRIPT))) {
                    return p.resolve("bin").resolve(SCRIPT);
                }
            }
        }
        throw new IllegalStateException("bin/" + SCRIPT + " not found above " + starts
                + ": run from the kovn checkout or set KOVN_HOME to it");
    }

    /** The plugin jar of this build: on the class path, else cni/target of the checkout. */
    private static Path findJar(Path script) {
        try {
            Class<?> main = Class.forName("io.kovn.cni.CniMain", false, CniPlugin.class.getClassLoader());
            var jar = codeSource(main).filter(p -> p.toString().endsWith(".jar") && Files.isRegularFile(p));
            if (jar.isPresent()) {
                return jar.get();
            }
        } catch (ClassNotFoundException e) {
            // not on the class path: the checkout's build
        }
        Path built = script.getParent().getParent().resolve("cni/target").resolve(JAR);
        if (!Files.isRegularFile(built)) {
            throw new IllegalStateException(built + " not found: build the plugin (mvn -f cni/pom.xml package)");
        }
        return built;
    }

    private static java.util.Optional<Path> codeSource(Class<?> type) {
        try {
            return java.util.Optional.of(new File(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toPath());
        } catch (URISyntaxException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}

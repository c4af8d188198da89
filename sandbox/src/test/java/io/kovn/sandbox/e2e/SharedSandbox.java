package io.kovn.sandbox.e2e;

import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One 3-node sandbox for all end-to-end classes of this JVM (it takes seconds to start): started before the
 * first class that uses it, closed by JUnit when the whole run ends (it is kept in the root context's store).
 * Each class works in its own Kubernetes namespace and removes it; a class that changes the sandbox itself
 * (nodes, restarts) puts it back as it found it. With {@code -Dkovn.e2e.image=IMG} ({@code scripts/test.sh --image})
 * the nodes' OVS and ovn-controller run from that image ({@code kovn sandbox up --image}).
 */
public final class SharedSandbox implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedSandbox.class);
    /** The image the nodes' daemons run from (empty or unset: this machine's binaries). */
    static final String IMAGE_PROPERTY = "kovn.e2e.image";
    private static volatile Sandbox sandbox;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NS).getOrComputeIfAbsent(Holder.class, k -> new Holder(), Holder.class);
    }

    public static Sandbox sandbox() {
        if (sandbox == null) {
            throw new IllegalStateException("use @ExtendWith(SharedSandbox.class)");
        }
        return sandbox;
    }

    /** The store value JUnit closes at the end of the run. */
    static final class Holder implements AutoCloseable {
        Holder() {
            try {
                sandbox = Sandbox.start(SandboxConfig.builder(Files.createTempDirectory("kovn-sandbox-e2e-")).nodes(3)
                        .checkNetwork(true).removeStateOnClose(!Boolean.getBoolean("kovn.e2e.keepState"))
                        .image(image()).build(), line -> System.out.println("sandbox " + line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The image of {@code -Dkovn.e2e.image}, or null: this machine's binaries. */
        static String image() {
            String image = System.getProperty(IMAGE_PROPERTY, "");
            return image.isBlank() ? null : image;
        }

        /** Closes the sandbox and fails the run if it left a namespace or a process behind. */
        @Override
        public void close() throws IOException {
            Sandbox s = sandbox;
            sandbox = null;
            if (s == null) {
                return;
            }
            s.close();
            String prefix = "kovn-" + ProcessHandle.current().pid() + "-";
            List<String> namespaces;
            try (Stream<Path> all = Files.list(Path.of("/var/run/netns"))) {
                namespaces = all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
            }
            List<String> processes = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                    .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList();
            boolean stateLeft = !Boolean.getBoolean("kovn.e2e.keepState") && Files.exists(s.stateDir());
            if (!namespaces.isEmpty() || !processes.isEmpty() || stateLeft) {
                throw new IllegalStateException("the sandbox left namespaces " + namespaces + ", processes " + processes
                        + (stateLeft ? " and " + s.stateDir() : ""));
            }
        }
    }
}

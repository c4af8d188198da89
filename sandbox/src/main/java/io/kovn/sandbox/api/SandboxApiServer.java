package io.kovn.sandbox.api;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kovn.testing.k8s.MockApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;

/**
 * The sandbox's Kubernetes API: an emulation, not a kube-apiserver. It is fabric8's mock server in CRUD mode
 * (objects are stored and watched; no admission, defaulting, validation or garbage collection) on a loopback
 * port, taught two things a real API server does and kovn relies on: the {@code spec.nodeName} field selector on
 * pods (the node agent watches its own pods with it), the discovery documents kubectl asks for first, and a CSR's
 * {@code /approval} subresource (the controller's signer approves through it; {@code CsrApprovalDispatcher}); and
 * a killed client no longer stalls it ({@link WatchFailureOffLoop}).
 */
public final class SandboxApiServer implements AutoCloseable {
    /** The mock server logs every request through java.util.logging; kept referenced so the level sticks. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    private final KubernetesMockServer server;

    private SandboxApiServer(KubernetesMockServer server) {
        this.server = server;
    }

    /** Listens on 127.0.0.1:{@code port} (0: a free port). */
    public static SandboxApiServer start(int port) {
        KubernetesCrudDispatcher crud = new WatchFailureOffLoop();
        MockApiServer.installNodeNameExtractor(crud);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new DiscoveryDispatcher(crud), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        return new SandboxApiServer(server);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    public int port() {
        return server.getPort();
    }

    /** A new client of this server; the caller closes it. */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    /** Writes a kubeconfig for this server (plain http on loopback, no credentials); replaced atomically. */
    public Path writeKubeconfig(Path file) {
        return writeKubeconfig(file, url());
    }

    public static Path writeKubeconfig(Path file, String url) {
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kovn-sandbox
                  cluster:
                    server: %s
                contexts:
                - name: kovn-sandbox
                  context:
                    cluster: kovn-sandbox
                    user: kovn-sandbox
                    namespace: default
                current-context: kovn-sandbox
                users:
                - name: kovn-sandbox
                  user: {}
                """.formatted(url);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kubeconfig " + file, e);
        }
    }

    @Override
    public void close() {
        server.destroy();
    }
}

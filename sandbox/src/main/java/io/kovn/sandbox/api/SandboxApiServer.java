package io.kovn.sandbox.api;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.kovn.testing.k8s.MockApiServer;
import io.kovn.testing.k8s.WatchFailureOffLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The sandbox's Kubernetes API: an emulation, not a kube-apiserver. Objects are kept by fabric8's mock CRUD
 * dispatcher (stored and watched; no admission, defaulting, validation or garbage collection), served on a
 * loopback port by {@link ApiHttpServer}, and taught what a real API server does that kovn and kubectl rely
 * on: the {@code spec.nodeName} field selector on pods (the node agent watches its own pods with it), the
 * discovery and OpenAPI documents and tables kubectl asks for ({@link DiscoveryDispatcher}), watches streamed
 * over HTTP ({@link WatchStream}), pod logs and exec ({@link PodStreams}), a CSR's {@code /approval}
 * subresource (the controller's signer approves through it; {@code CsrApprovalDispatcher}); and a killed client
 * no longer stalls it ({@link WatchFailureOffLoop}).
 */
public final class SandboxApiServer implements AutoCloseable {
    private final ApiHttpServer http;
    private final PodStreams pods;

    private SandboxApiServer(ApiHttpServer http, PodStreams pods) {
        this.http = http;
        this.pods = pods;
    }

    /** Listens on 127.0.0.1:{@code port} (0: a free port). */
    public static SandboxApiServer start(int port) {
        KubernetesCrudDispatcher crud = new WatchFailureOffLoop();
        MockApiServer.installNodeNameExtractor(crud);
        PodStreams pods = new PodStreams();
        ProtoSchema proto = ProtoSchema.load();
        return new SandboxApiServer(ApiHttpServer.start(InetAddress.getLoopbackAddress(), port,
                new DiscoveryDispatcher(new ScaleSubresource(new StrategicPatchSupport(crud)),
                        new OpenApiV3(new OpenApiSchemas(proto))), pods, new ProtobufBody(proto)), pods);
    }

    /** Where {@code kubectl logs} and {@code kubectl exec} find pods (the pod runtimes, once they run). */
    public void servePods(PodProcesses processes) {
        pods.use(processes);
    }

    public String url() {
        return "http://127.0.0.1:" + http.port();
    }

    public int port() {
        return http.port();
    }

    /** A new client of this server; the caller closes it. */
    public KubernetesClient newClient() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace("default").build();
        return new KubernetesClientBuilder().withConfig(config).build();
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
        http.close();
    }
}

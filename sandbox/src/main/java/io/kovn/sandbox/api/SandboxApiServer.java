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
 *
 * <p>It authenticates nobody, but it notes who asks what ({@link ApiRequestLog}): a kubeconfig written with a
 * {@code user} carries that name as its bearer token, which the log takes as the request's user, so the kovn
 * controller and node agents, given the users of their service accounts, can be told apart from kubectl and the
 * stand-ins (anonymous) and their requests compared with the roles the manifests grant.
 */
public final class SandboxApiServer implements AutoCloseable {
    /** The controller's user: its service account in kovn's manifests. */
    public static final String CONTROLLER_USER = "system:serviceaccount:kovn-system:kovn-controller";
    /** The node agents' user: their service account in kovn's manifests. */
    public static final String NODE_USER = "system:serviceaccount:kovn-system:kovn-node";

    private final ApiHttpServer http;
    private final PodStreams pods;
    private final ApiRequestLog requests;

    private SandboxApiServer(ApiHttpServer http, PodStreams pods, ApiRequestLog requests) {
        this.http = http;
        this.pods = pods;
        this.requests = requests;
    }

    /** Listens on 127.0.0.1:{@code port} (0: a free port). */
    public static SandboxApiServer start(int port) {
        KubernetesCrudDispatcher crud = new WatchFailureOffLoop();
        MockApiServer.installNodeNameExtractor(crud);
        PodStreams pods = new PodStreams();
        ProtoSchema proto = ProtoSchema.load();
        ApiRequestLog requests = new ApiRequestLog();
        return new SandboxApiServer(ApiHttpServer.start(InetAddress.getLoopbackAddress(), port,
                new DiscoveryDispatcher(new ScaleSubresource(new StrategicPatchSupport(crud)),
                        new OpenApiV3(new OpenApiSchemas(proto))), pods, new ProtobufBody(proto), requests), pods,
                requests);
    }

    /** Who asked what so far. */
    public ApiRequestLog requests() {
        return requests;
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

    /** A kubeconfig whose requests the log counts as {@code user}'s ({@link #CONTROLLER_USER}, {@link #NODE_USER}). */
    public Path writeKubeconfigAs(Path file, String user) {
        return write(file, kubeconfig(url(), "{token: '" + user + "'}"));
    }

    public static Path writeKubeconfig(Path file, String url) {
        return write(file, kubeconfig(url, "{}"));
    }

    private static String kubeconfig(String url, String user) {
        return """
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
                  user: %s
                """.formatted(url, user);
    }

    private static Path write(Path file, String text) {
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

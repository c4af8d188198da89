package io.kovn.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** fabric8's mock API server in CRUD mode, and builders for the objects the controller tests use. */
final class MockKube implements AutoCloseable {
    /** The mock server logs every request through java.util.logging; kept referenced so the level sticks. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    final KubernetesMockServer server;
    final KubernetesClient client;
    private final LaggingListDispatcher dispatcher = new LaggingListDispatcher();

    MockKube() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
    }

    KubernetesClient newClient() {
        return server.createClient();
    }

    /**
     * A client acting as {@code user} (the Impersonate-User header, which the mock server ignores otherwise) whose
     * requests time out after {@code requestTimeout}.
     */
    KubernetesClient newClient(String user, Duration requestTimeout) {
        Config config = new ConfigBuilder(server.createClient().getConfiguration())
                .withRequestTimeout((int) requestTimeout.toMillis()).withRequestRetryBackoffLimit(0).build();
        config.setImpersonateUsername(user);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** From now on, lists (not watches) for {@code user} (null: for everyone) are answered only after {@code delay}. */
    void slowLists(String user, Duration delay) {
        dispatcher.slow(user, delay);
    }

    /** Lists are answered at once again. */
    void fastLists() {
        dispatcher.slow(null, Duration.ZERO);
    }

    /** Pod lists leave out the pods of these names, as a stale API server cache would (a mutable set). */
    Set<String> unlistedPods() {
        return dispatcher.unlistedPods();
    }

    /** How many lists of {@code resource} (e.g. "nodes") the server has received. */
    int lists(String resource) {
        return dispatcher.lists(resource);
    }

    Node node(String name, String internalIp) {
        return client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withUid(UUID.randomUUID().toString())
                .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress()
                .endStatus().build()).create();
    }

    Pod pod(String ns, String name, String node) {
        return client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withNamespace(ns).withName(name)
                .withUid(UUID.randomUUID().toString()).addToLabels("app", name.replaceAll("-\\d+$", "")).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
    }

    Service service(String ns, String name, String clusterIp, int port, int targetPort) {
        return client.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withNamespace(ns)
                .withName(name).withUid(UUID.randomUUID().toString()).endMetadata().withNewSpec().withClusterIP(clusterIp)
                .addNewPort().withName("http").withProtocol("TCP").withPort(port).withNewTargetPort(targetPort).endPort()
                .endSpec().build()).create();
    }

    /** The EndpointSlice the EndpointSlice controller would write: ready endpoints at {@code ips}. */
    EndpointSlice slice(String ns, String service, int port, List<String> readyIps, List<String> notReadyIps) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(service + "-abc")
                .addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(port).endPort();
        readyIps.forEach(ip -> b.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(true).endConditions().endEndpoint());
        notReadyIps.forEach(ip -> b.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(false).endConditions().endEndpoint());
        return client.discovery().v1().endpointSlices().inNamespace(ns).resource(b.build()).createOr(x -> x.update());
    }


    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}

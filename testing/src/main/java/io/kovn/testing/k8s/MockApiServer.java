package io.kovn.testing.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;

/**
 * fabric8's mock API server in CRUD mode, taught the one field selector the node agent needs: pods by
 * {@code spec.nodeName} (the mock knows only metadata.name and metadata.namespace, and a real API server
 * answers that selector). The extractor is swapped in by reflection, the mock offering no other way.
 */
public final class MockApiServer implements AutoCloseable {
    /** The mock logs every request at INFO through java.util.logging; held so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    public MockApiServer() {
        KubernetesCrudDispatcher dispatcher = new PatchRefusalDispatcher();
        installNodeNameExtractor(dispatcher);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
    }

    /** A client of this server; closed with it. */
    public KubernetesClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }

    /** Also indexes pods by spec.nodeName, so that {@code fieldSelector=spec.nodeName=X} matches them. */
    static final class NodeNameExtractor extends KubernetesAttributesExtractor {
        static final String NODE_NAME = "spec.nodeName";

        @Override
        public AttributeSet extract(HasMetadata resource) {
            AttributeSet attributes = super.extract(resource);
            String node = null;
            if (resource instanceof Pod p && p.getSpec() != null) {
                node = p.getSpec().getNodeName();
            } else if (resource instanceof GenericKubernetesResource g && "Pod".equals(g.getKind())
                    && g.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec) {
                Object n = spec.get("nodeName");
                node = n == null ? null : n.toString();
            }
            return node == null ? attributes : attributes.add(new Attribute(NODE_NAME, node));
        }
    }

    /**
     * Teaches a CRUD dispatcher the {@code spec.nodeName} field selector on pods; shared with the sandbox's API
     * server.
     */
    public static void installNodeNameExtractor(KubernetesCrudDispatcher dispatcher) {
        try {
            NodeNameExtractor extractor = new NodeNameExtractor();
            Object crdProcessor = field(KubernetesCrudDispatcher.class, "crdProcessor").get(dispatcher);
            extractor.setCustomResourceDefinitionProcessor(
                    (io.fabric8.kubernetes.client.server.mock.CustomResourceDefinitionProcessor) crdProcessor);
            field(io.fabric8.mockwebserver.crud.CrudDispatcher.class, "attributeExtractor").set(dispatcher, extractor);
            field(KubernetesCrudDispatcher.class, "kubernetesAttributesExtractor").set(dispatcher, extractor);
            Object postHandler = field(KubernetesCrudDispatcher.class, "postHandler").get(dispatcher);
            field(postHandler.getClass(), "attributeExtractor").set(postHandler, extractor);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this fabric8 mock server version cannot be taught spec.nodeName", e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}

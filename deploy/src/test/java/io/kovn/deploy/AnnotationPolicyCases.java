package io.kovn.deploy;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kovn.ovn.annotations.GatewayConfig;
import io.kovn.ovn.annotations.NodeSubnets;
import io.kovn.ovn.annotations.PodNetwork;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests the annotation policy must allow or refuse, with what a refused caller reads. Shared by the test of
 * the shipped policy and the test that breaks the policy on purpose and expects some case to notice. The keys are
 * the constants kovn's components write, so renaming one without the policy fails these cases.
 */
final class AnnotationPolicyCases {
    static final String POD_NETWORKS = PodNetwork.ANNOTATION;
    static final String NODE_SUBNETS = NodeSubnets.ANNOTATION;
    static final String JOIN_ADDRESS = GatewayConfig.JOIN_ADDRESS_ANNOTATION;
    static final String GATEWAY_CONFIG = GatewayConfig.ANNOTATION;
    static final String CHASSIS_ID = GatewayConfig.CHASSIS_ANNOTATION;

    static final String CONTROLLER = "system:serviceaccount:kovn-system:kovn-controller";
    static final String NODE_AGENT = "system:serviceaccount:kovn-system:kovn-node";

    private static final String NETWORKS = "{\"default\":{\"ip_addresses\":[\"10.244.1.5/24\"],"
            + "\"mac_address\":\"0a:58:0a:f4:01:05\",\"gateway_ips\":[\"10.244.1.1\"]}}";
    private static final String HOSTILE_NETWORKS = "{\"default\":{\"ip_addresses\":[\"10.244.1.9/24\"],"
            + "\"mac_address\":\"0a:58:0a:f4:00:05\\nlink set dev lo down\\n#\",\"gateway_ips\":[\"10.244.1.1\"]}}";
    private static final String GATEWAY = "{\"default\":{\"mode\":\"shared\",\"interface-id\":\"breth0_worker-1\"}}";

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private AnnotationPolicyCases() {
    }

    /**
     * One request and the policy's expected answer.
     *
     * @param refusalMentions for a refused request, text the caller must read in the refusal
     */
    record Case(String name, AdmissionInput input, boolean allowed, List<String> refusalMentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> all() {
        Pod annotated = pod(Map.of(POD_NETWORKS, NETWORKS));
        Node worker1 = node("worker-1", Map.of(NODE_SUBNETS, "{\"default\":[\"10.244.1.0/24\"]}"));
        Node worker1WithGateway = node("worker-1", Map.of(NODE_SUBNETS, "{\"default\":[\"10.244.1.0/24\"]}",
                GATEWAY_CONFIG, GATEWAY, CHASSIS_ID, "4c5a6d8e-chassis-1"));
        Caller alice = Caller.user("alice");
        return List.of(
                allowed("controller annotates a new pod with its allocation",
                        AdmissionInput.update(Caller.controller("master"), "pods", pod(Map.of()), annotated)),
                allowed("controller replaces a pod's allocation",
                        AdmissionInput.update(Caller.controller("master"), "pods", pod(Map.of(POD_NETWORKS,
                                HOSTILE_NETWORKS)), annotated)),
                allowed("controller removes a pod's allocation",
                        AdmissionInput.update(Caller.controller("master"), "pods", annotated, pod(Map.of()))),
                allowed("controller publishes a node's subnet and join address",
                        AdmissionInput.update(Caller.controller("master"), "nodes", node("worker-1", Map.of()),
                                node("worker-1", Map.of(NODE_SUBNETS, "{\"default\":[\"10.244.1.0/24\"]}",
                                        JOIN_ADDRESS, "{\"ipv4\":\"100.64.0.2/16\"}")))),
                allowed("node agent publishes its own node's gateway",
                        AdmissionInput.update(Caller.nodeAgentOn("worker-1"), "nodes", worker1, worker1WithGateway)),
                allowed("user creates a pod without annotations",
                        AdmissionInput.create(alice, "pods", pod(null))),
                allowed("user creates a pod with other annotations",
                        AdmissionInput.create(alice, "pods", pod(Map.of("example.com/team", "web",
                                "k8s.ovn.org.example/mine", "x")))),
                allowed("user edits an unrelated annotation on a pod kovn annotated",
                        AdmissionInput.update(alice, "pods", annotated, with(annotated, "example.com/team", "web"))),
                allowed("user labels a node kovn annotated",
                        AdmissionInput.update(alice, "nodes", worker1WithGateway,
                                new NodeBuilder(worker1WithGateway).editMetadata().addToLabels("zone", "a")
                                        .endMetadata().build())),
                allowed("kubelet updates the status of a node kovn annotated",
                        AdmissionInput.update(Caller.kubelet("worker-1"), "nodes", worker1WithGateway,
                                new NodeBuilder(worker1WithGateway).withNewStatus().addNewCondition()
                                        .withType("Ready").withStatus("True").endCondition().endStatus().build())
                                .on("status")),
                allowed("user evicts a pod kovn annotated",
                        AdmissionInput.create(alice, "pods", new EvictionBuilder().withNewMetadata().withName("web")
                                .withNamespace("default").endMetadata().build()).on("eviction")),
                refused("user creates a pod with an allocation of their own",
                        AdmissionInput.create(alice, "pods", pod(Map.of(POD_NETWORKS, HOSTILE_NETWORKS))),
                        "alice may not set, change or remove k8s.ovn.org/pod-networks on pod default/web: "
                                + "k8s.ovn.org/ annotations on pods and nodes are written only by kovn "
                                + "(docs/admission.md)"),
                refused("user changes a pod's allocation",
                        AdmissionInput.update(alice, "pods", annotated, pod(Map.of(POD_NETWORKS, HOSTILE_NETWORKS))),
                        "alice", POD_NETWORKS, "pod default/web"),
                refused("user removes a pod's allocation",
                        AdmissionInput.update(alice, "pods", annotated, pod(Map.of())), "alice", POD_NETWORKS),
                refused("user changes a pod's allocation through the status subresource",
                        AdmissionInput.update(alice, "pods", annotated, pod(Map.of(POD_NETWORKS, HOSTILE_NETWORKS)))
                                .on("status"), "alice", POD_NETWORKS),
                refused("user binds a pod with an allocation in the binding's annotations",
                        AdmissionInput.create(alice, "pods", new BindingBuilder().withNewMetadata().withName("web")
                                .withNamespace("default").addToAnnotations(POD_NETWORKS, HOSTILE_NETWORKS)
                                .endMetadata().withNewTarget().withKind("Node").withName("worker-1").endTarget()
                                .build()).on("binding"), "alice", POD_NETWORKS),
                refused("user creates a pod with another k8s.ovn.org/ key",
                        AdmissionInput.create(alice, "pods", pod(Map.of("k8s.ovn.org/pod-networks-v2", "{}"))),
                        "k8s.ovn.org/pod-networks-v2"),
                refused("node agent changes a pod's allocation",
                        AdmissionInput.update(Caller.nodeAgentOn("worker-1"), "pods", annotated,
                                pod(Map.of(POD_NETWORKS, HOSTILE_NETWORKS))), NODE_AGENT, POD_NETWORKS),
                refused("controller sets a k8s.ovn.org/ key it does not own on a pod",
                        AdmissionInput.update(Caller.controller("master"), "pods", annotated,
                                with(annotated, "k8s.ovn.org/routing-external-gws", "10.0.0.1")),
                        CONTROLLER, "k8s.ovn.org/routing-external-gws"),
                refused("controller sets a node's gateway, which the node agent owns",
                        AdmissionInput.update(Caller.controller("master"), "nodes", worker1, worker1WithGateway),
                        CONTROLLER, GATEWAY_CONFIG, CHASSIS_ID, "node worker-1"),
                refused("user sets a node's subnet",
                        AdmissionInput.update(alice, "nodes", node("worker-1", Map.of()), worker1),
                        "alice may not set, change or remove k8s.ovn.org/node-subnets on node worker-1"),
                refused("user creates a node with a subnet",
                        AdmissionInput.create(alice, "nodes", worker1), NODE_SUBNETS, "node worker-1"),
                refused("node agent sets its own node's subnet",
                        AdmissionInput.update(Caller.nodeAgentOn("worker-1"), "nodes", node("worker-1", Map.of()),
                                worker1), NODE_AGENT, NODE_SUBNETS),
                refused("node agent publishes a gateway on another node",
                        AdmissionInput.update(Caller.nodeAgentOn("worker-2"), "nodes", worker1, worker1WithGateway),
                        NODE_AGENT, GATEWAY_CONFIG, "node worker-1",
                        "kovn-node may annotate only the Node its pod-bound token names, and this token names "
                                + "worker-2"),
                refused("node agent with a token naming no node publishes a gateway",
                        AdmissionInput.update(Caller.nodeAgentWithoutNodeClaim(), "nodes", worker1,
                                worker1WithGateway), GATEWAY_CONFIG, "and this token names none"),
                refused("kubelet changes a node's gateway with a status update",
                        AdmissionInput.update(Caller.kubelet("worker-1"), "nodes", worker1WithGateway,
                                with(worker1WithGateway, GATEWAY_CONFIG, "{}")).on("status"),
                        "system:node:worker-1", GATEWAY_CONFIG));
    }

    private static Case allowed(String name, AdmissionInput input) {
        return new Case(name, input, true, List.of());
    }

    private static Case refused(String name, AdmissionInput input, String... mentions) {
        return new Case(name, input, false, List.of(mentions));
    }

    private static Pod pod(Map<String, String> annotations) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("5f1c-web")
                .withAnnotations(annotations).endMetadata()
                .withNewSpec().withNodeName("worker-1").addNewContainer().withName("web").withImage("nginx")
                .addNewPort().withContainerPort(80).endPort().endContainer().endSpec().build();
    }

    private static Node node(String name, Map<String, String> annotations) {
        return new NodeBuilder().withNewMetadata().withName(name).withAnnotations(annotations).endMetadata()
                .withNewSpec().withPodCIDR("10.244.1.0/24").endSpec().build();
    }

    private static <T extends HasMetadata> T with(T object, String key, String value) {
        T copy = JSON.clone(object);
        Map<String, String> annotations = new HashMap<>(copy.getMetadata().getAnnotations());
        annotations.put(key, value);
        copy.getMetadata().setAnnotations(annotations);
        return copy;
    }
}

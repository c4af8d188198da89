package io.kovn.deploy.manifests;

import static io.kovn.deploy.manifests.ApiRequest.of;

import io.kovn.pki.NodeCsr;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every kind of request the controller and the node agent make to the Kubernetes API, with the code that makes
 * it. The ClusterRoles are generated from these lists and nothing else, so a role grants exactly what the code
 * uses; {@code KubernetesApiUseTest} checks the lists against the fabric8 calls in the source. An informer is a
 * list and a watch; fabric8's {@code waitUntilCondition} on one object is an informer too; {@code patch} and
 * {@code edit} are PATCH; the Lease lock gets and creates its Lease and renews it with a JSON merge PATCH
 * (fabric8 8; the --ha --tls sandbox's request log showed it); approving or denying a CSR reads it and updates its
 * approval, which the API server allows only to who may {@code approve} for its signer,
 * and setting the certificate needs {@code sign} for it. fabric8's {@code patch(PatchContext, String)} reads the
 * object before it patches it (a GET of the object, also for a patch of its {@code status}), so whatever is
 * patched is also read; the sandbox's request log showed it ({@code RbacCoverageE2ETest}).
 */
public final class KubernetesApiUse {
    private static final String CORE = "";
    private static final String CERTIFICATES = "certificates.k8s.io";

    /** What {@code kovn controller} calls. */
    public static final List<ApiRequest> CONTROLLER = List.of(
            of("list", CORE, "nodes", "FabricClusterApi: nodes informer"),
            of("watch", CORE, "nodes", "FabricClusterApi: nodes informer"),
            of("patch", CORE, "nodes", "FabricClusterApi: node-subnets, gateway-router-lrp-ifaddr annotations (NodeReconciler)"),
            of("get", CORE, "nodes", "FabricClusterApi: fabric8's patch reads the Node first (so does NodeCsrSigner)"),
            of("list", CORE, "pods", "FabricClusterApi: pods informer"),
            of("watch", CORE, "pods", "FabricClusterApi: pods informer"),
            of("get", CORE, "pods", "FabricClusterApi: the live pod behind an NB port (PodsOfNbPorts)"),
            of("patch", CORE, "pods", "FabricClusterApi: pod-networks annotation (PodReconciler)"),
            of("patch", CORE, "pods/status", "FabricClusterApi: the kovn.io/NetworkReady condition (PodNetworkCondition)"),
            of("list", CORE, "services", "FabricClusterApi: services informer"),
            of("watch", CORE, "services", "FabricClusterApi: services informer"),
            of("list", CORE, "namespaces", "FabricClusterApi: namespaces informer"),
            of("watch", CORE, "namespaces", "FabricClusterApi: namespaces informer"),
            of("create", CORE, "events", "FabricClusterApi: warnings on pods, nodes, CSRs (EventRecorder)"),
            of("list", "discovery.k8s.io", "endpointslices", "FabricClusterApi: endpointslices informer"),
            of("watch", "discovery.k8s.io", "endpointslices", "FabricClusterApi: endpointslices informer"),
            of("list", "networking.k8s.io", "networkpolicies", "FabricClusterApi: networkpolicies informer"),
            of("watch", "networking.k8s.io", "networkpolicies", "FabricClusterApi: networkpolicies informer"),
            of("get", "coordination.k8s.io", "leases", "LeaseElection: LeaseLock").inKovnNamespace(),
            of("create", "coordination.k8s.io", "leases", "LeaseElection: LeaseLock").inKovnNamespace(),
            // fabric8 8's LeaseLock renews (and releases) with a JSON merge patch, not a PUT
            of("patch", "coordination.k8s.io", "leases", "LeaseElection: LeaseLock renewal and release")
                    .inKovnNamespace(),

            of("get", CERTIFICATES, "certificatesigningrequests", "NodeCsrSigner: approve/deny read the CSR").tls(),
            of("update", CERTIFICATES, "certificatesigningrequests/approval", "NodeCsrSigner: approve, deny").tls(),
            of("patch", CERTIFICATES, "certificatesigningrequests/status", "NodeCsrSigner: editStatus (certificate)")
                    .tls(),
            of("approve", CERTIFICATES, "signers", "NodeCsrSigner: approval for its signer").named(NodeCsr.SIGNER_NAME)
                    .tls(),
            of("sign", CERTIFICATES, "signers", "NodeCsrSigner: signing for its signer").named(NodeCsr.SIGNER_NAME)
                    .tls(),
            of("list", CERTIFICATES, "certificatesigningrequests", "NodeCsrController: CSR informer").tls(),
            of("watch", CERTIFICATES, "certificatesigningrequests", "NodeCsrController: CSR informer").tls(),
            of("delete", CERTIFICATES, "certificatesigningrequests", "NodeCsrController: decided CSRs past retention")
                    .tls(),
            of("get", CORE, "secrets", "CaSecret: the CA Secret (--ca-secret)").inKovnNamespace().tls(),
            of("get", CORE, "configmaps", "CaSecret: the kovn-ca ConfigMap it publishes").inKovnNamespace().tls(),
            of("create", CORE, "configmaps", "CaSecret: the kovn-ca ConfigMap it publishes").inKovnNamespace().tls(),
            of("update", CORE, "configmaps", "CaSecret: the kovn-ca ConfigMap, when the CA changed").inKovnNamespace()
                    .tls());

    /** What {@code kovn node} (and {@code kovn minion-init}) calls. */
    public static final List<ApiRequest> NODE = List.of(
            of("get", CORE, "nodes", "GatewayAnnotations: the Node's current annotations"),
            of("list", CORE, "nodes", "NodeWatcher: waitUntilCondition on its Node"),
            of("watch", CORE, "nodes", "NodeWatcher: waitUntilCondition on its Node"),
            of("patch", CORE, "nodes", "GatewayAnnotations: l3-gateway-config, node-chassis-id"),
            of("list", CORE, "pods", "PodWatcher: informer on spec.nodeName"),
            of("watch", CORE, "pods", "PodWatcher: informer on spec.nodeName"),
            of("patch", CORE, "pods/status", "PodInstalledCondition: the kovn.io/OvnInstalled condition"),
            of("get", CORE, "pods", "PodInstalledCondition: fabric8's patch reads the pod before patching its status"),
            of("patch", CORE, "nodes/status", "NodeCniCondition: the kovn.io/CNIReady condition"),
            of("create", CERTIFICATES, "certificatesigningrequests", "NodeCertificateEnroller: its CSR").tls(),
            of("list", CERTIFICATES, "certificatesigningrequests", "NodeCertificateEnroller: waitUntilCondition")
                    .tls(),
            of("watch", CERTIFICATES, "certificatesigningrequests", "NodeCertificateEnroller: waitUntilCondition")
                    .tls(),
            of("list", CORE, "configmaps", "NodeCertificates: waitUntilCondition on the kovn-ca ConfigMap")
                    .inKovnNamespace().tls(),
            of("watch", CORE, "configmaps", "NodeCertificates: waitUntilCondition on the kovn-ca ConfigMap")
                    .inKovnNamespace().tls());

    private KubernetesApiUse() {
    }

    /** The requests of {@code component} the manifests grant: all, or all but the certificate flow's. */
    static Stream<ApiRequest> granted(List<ApiRequest> component, boolean tls) {
        return component.stream().filter(r -> tls || !r.tlsOnly());
    }
}

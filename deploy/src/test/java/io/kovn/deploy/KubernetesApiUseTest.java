package io.kovn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.kovn.deploy.manifests.ApiRequest;
import io.kovn.deploy.manifests.DeployNames;
import io.kovn.deploy.manifests.KubernetesApiUse;
import io.kovn.deploy.manifests.ManifestSettings;
import io.kovn.deploy.manifests.Manifests;
import io.kovn.pki.NodeCsr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped roles against the code: {@link #CALLS} lists, for every place the controller and the node agent
 * reach the Kubernetes API through fabric8 (found by {@code grep -rnE '\.(nodes|pods|...)\(\)'}, or
 * {@code .resources(X.class)}, in their src/main, benchmarks excluded), the requests it makes. The test checks that
 * the table covers exactly the call sites the source has, that the generated roles allow every request, and that
 * they allow nothing else.
 */
class KubernetesApiUseTest {
    /** fabric8's entry points to a resource; a new one in the code must be added to the pattern and the table. */
    private static final Pattern CALL = Pattern.compile("\\.(nodes|pods|services|namespaces|events|endpointSlices|"
            + "networkPolicies|certificateSigningRequests|leases|leaderElector|configMaps|secrets|serviceAccounts|"
            + "resources|genericKubernetesResources|customResources|apps|rbac|batch|storage|policy)\\(\\)"
            + "|\\.(resources)\\([A-Z]\\w*\\.class\\)");
    private static final Path CONTROLLER_SRC = Path.of("..", "controller", "src", "main", "java");
    private static final Path NODE_SRC = Path.of("..", "node", "src", "main", "java");

    /** One request as the API server authorizes it; namespace null = cluster-wide or any namespace. */
    record Request(String account, String verb, String group, String resource, String name, String namespace,
                   boolean tls) {
        Request tlsOnly() {
            return new Request(account, verb, group, resource, name, namespace, true);
        }
    }

    /** A call site: a file of a component and the fabric8 entry point it uses, with the requests it makes. */
    record Call(String account, String file, String entry, List<Request> requests) {
    }

    private static final String C = DeployNames.CONTROLLER;
    private static final String N = DeployNames.NODE;
    private static final String CSR = "certificatesigningrequests";
    private static final String CERTS = "certificates.k8s.io";

    static final List<Call> CALLS = List.of(
            // the controller's API calls all go through FabricClusterApi (its seam to the API); the informers are
            // made generically (kube.resources(type)), so their lists and watches stand with its pods() entry
            call(C, "FabricClusterApi.java", "pods", r(C, "list", "", "pods"), r(C, "watch", "", "pods"),
                    r(C, "get", "", "pods"), r(C, "patch", "", "pods"), r(C, "patch", "", "pods/status"),
                    r(C, "list", "", "services"), r(C, "watch", "", "services"),
                    r(C, "list", "", "namespaces"), r(C, "watch", "", "namespaces"),
                    r(C, "list", "discovery.k8s.io", "endpointslices"), r(C, "watch", "discovery.k8s.io", "endpointslices"),
                    r(C, "list", "networking.k8s.io", "networkpolicies"),
                    r(C, "watch", "networking.k8s.io", "networkpolicies")),
            // fabric8's patch(PatchContext, String) GETs the object first: every patch is a get too
            call(C, "FabricClusterApi.java", "nodes", r(C, "list", "", "nodes"), r(C, "watch", "", "nodes"),
                    r(C, "get", "", "nodes"), r(C, "patch", "", "nodes")),
            call(C, "FabricClusterApi.java", "events", r(C, "create", "", "events")),
            // LeaseLock(config.leaseNamespace(), "kovn-controller" or the underlay controller's, ...): get, create, and
            // renewal by a JSON merge PATCH (fabric8 8; the --ha --tls sandbox's request log showed it)
            call(C, "LeaseElection.java", "leaderElector", lease("get"), lease("create"), lease("patch")),
            // the underlay controller (--mode underlay): informers, the pool annotation on Nodes
            call(C, "UnderlayController.java", "nodes", r(C, "list", "", "nodes"), r(C, "watch", "", "nodes"),
                    r(C, "get", "", "nodes"), r(C, "patch", "", "nodes")),
            call(C, "UnderlayController.java", "services", r(C, "list", "", "services"), r(C, "watch", "", "services")),
            call(C, "UnderlayController.java", "endpointSlices", r(C, "list", "discovery.k8s.io", "endpointslices"),
                    r(C, "watch", "discovery.k8s.io", "endpointslices")),
            call(C, "UnderlayController.java", "pods", r(C, "list", "", "pods"), r(C, "watch", "", "pods")),
            // the CSR signer: withName(n).get() and list() on nodes; approve/deny (GET + PUT approval, the
            // signer's approve), editStatus (GET + PATCH status, the signer's sign)
            call(C, "NodeCsrSigner.java", "nodes", r(C, "get", "", "nodes"), r(C, "list", "", "nodes")),
            call(C, "NodeCsrSigner.java", "certificateSigningRequests",
                    r(C, "get", CERTS, CSR).tlsOnly(), r(C, "update", CERTS, CSR + "/approval").tlsOnly(),
                    r(C, "patch", CERTS, CSR + "/status").tlsOnly(),
                    new Request(C, "approve", CERTS, "signers", NodeCsr.SIGNER_NAME, null, true),
                    new Request(C, "sign", CERTS, "signers", NodeCsr.SIGNER_NAME, null, true)),
            // the CSR informer (list, watch), the fresh copy each decision reads (get), decided ones collected
            call(C, "NodeCsrController.java", "certificateSigningRequests", r(C, "list", CERTS, CSR).tlsOnly(),
                    r(C, "watch", CERTS, CSR).tlsOnly(), r(C, "get", CERTS, CSR).tlsOnly(),
                    r(C, "delete", CERTS, CSR).tlsOnly()),
            // the CA Secret; the kovn-ca ConfigMap: get, then createOr(update)
            call(C, "CaSecret.java", "secrets", ns(C, "get", "secrets").tlsOnly()),
            call(C, "CaSecret.java", "configMaps", ns(C, "get", "configmaps").tlsOnly(),
                    ns(C, "create", "configmaps").tlsOnly(), ns(C, "update", "configmaps").tlsOnly()),
            // the agent reads its pods and its Node as its own types: kube.resources(AgentPod.class), (AgentNode.class)
            call(N, "GatewayAnnotations.java", "resources", r(N, "get", "", "nodes"), r(N, "patch", "", "nodes")),
            // the chassis-id annotation (as GatewayAnnotations); waitUntilCondition on the kovn-ca ConfigMap
            call(N, "NodeCertificates.java", "resources", r(N, "get", "", "nodes"), r(N, "patch", "", "nodes")),
            call(N, "NodeCertificates.java", "configMaps", ns(N, "list", "configmaps").tlsOnly(),
                    ns(N, "watch", "configmaps").tlsOnly()),
            // waitUntilCondition on one Node: an informer on metadata.name
            call(N, "NodeWatcher.java", "resources", r(N, "list", "", "nodes"), r(N, "watch", "", "nodes")),
            call(N, "PodWatcher.java", "resources", r(N, "list", "", "pods"), r(N, "watch", "", "pods")),
            // underlay mode: the pool annotation of its own Node, an informer on metadata.name
            call(N, "NodePoolSync.java", "resources", r(N, "list", "", "nodes"), r(N, "watch", "", "nodes")),
            // the status reporter: a JSON patch of the pod's status subresource; the Node read, then its status
            call(N, "PodInstalledCondition.java", "resources", r(N, "get", "", "pods"),
                    r(N, "patch", "", "pods/status")),
            call(N, "NodeCniCondition.java", "resources", r(N, "get", "", "nodes"), r(N, "patch", "", "nodes/status")),
            // create, then waitUntilCondition on it
            call(N, "NodeCertificateEnroller.java", "certificateSigningRequests", r(N, "create", CERTS, CSR).tlsOnly(),
                    r(N, "list", CERTS, CSR).tlsOnly(), r(N, "watch", CERTS, CSR).tlsOnly()));

    @Test
    void theTableHasEveryCallSiteOfTheSourceAndNoOther() {
        Set<String> inSource = new TreeSet<>();
        inSource.addAll(callSites(C, CONTROLLER_SRC));
        inSource.addAll(callSites(N, NODE_SRC));
        Set<String> inTable = CALLS.stream().map(c -> c.account() + " " + c.file() + " ." + c.entry() + "()")
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(inSource).as("fabric8 call sites in controller/ and node/ src/main").isEqualTo(inTable);
    }

    @Test
    void theGeneratorsTableNamesCallersThatExistAndMakeThoseRequests() {
        for (ApiRequest r : Stream.concat(KubernetesApiUse.CONTROLLER.stream(), KubernetesApiUse.NODE.stream()).toList()) {
            String file = r.caller().substring(0, r.caller().indexOf(':')) + ".java";
            assertThat(CALLS).as("a call site of " + file + " making " + r.verb() + " " + r.ruleResource())
                    .anySatisfy(c -> {
                        assertThat(c.file()).isEqualTo(file);
                        assertThat(c.requests()).anySatisfy(q -> {
                            assertThat(q.verb()).isEqualTo(r.verb());
                            assertThat(q.resource()).isEqualTo(r.ruleResource());
                        });
                    });
        }
    }

    @Test
    void theRolesAllowEveryRequestTheCodeMakes() {
        List<HasMetadata> tls = Manifests.objects(ManifestSettings.defaults().withTls(true));
        List<HasMetadata> plain = Manifests.objects(ManifestSettings.defaults());
        for (Request r : requests()) {
            assertThat(allowed(tls, r)).as("--tls roles allow " + r).isTrue();
            assertThat(allowed(plain, r)).as("roles " + (r.tls() ? "do not allow " : "allow ") + r).isEqualTo(!r.tls());
        }
    }

    @Test
    void theRolesAllowNothingTheCodeDoesNotDo() {
        List<Request> used = requests();
        for (ManifestSettings s : List.of(ManifestSettings.defaults(), ManifestSettings.defaults().withTls(true))) {
            List<HasMetadata> objects = Manifests.objects(s);
            for (Grant g : grants(objects)) {
                assertThat(used).as("a request of the code behind " + g + (s.tls() ? " (--tls)" : ""))
                        .anySatisfy(r -> assertThat(g.allows(r)).isTrue());
            }
        }
    }

    @Test
    void onlyTheirOwnServiceAccountsAreBound() {
        for (HasMetadata o : Manifests.objects(ManifestSettings.defaults().withTls(true))) {
            if (o instanceof ClusterRoleBinding b) {
                assertThat(b.getSubjects()).singleElement().satisfies(sub -> {
                    assertThat(sub.getKind()).isEqualTo("ServiceAccount");
                    assertThat(sub.getName()).isEqualTo(b.getRoleRef().getName());
                    assertThat(sub.getNamespace()).isEqualTo(DeployNames.NAMESPACE);
                });
            }
        }
    }

    /** One verb on one resource granted to one account by one rule, in a namespace or cluster-wide (null). */
    record Grant(String account, String verb, String group, String resource, List<String> names, String namespace) {
        boolean allows(Request r) {
            return account.equals(r.account()) && verb.equals(r.verb()) && group.equals(r.group())
                    && resource.equals(r.resource()) && (names.isEmpty() || names.contains(r.name()))
                    && (namespace == null || namespace.equals(r.namespace()));
        }
    }

    private static boolean allowed(List<HasMetadata> objects, Request r) {
        return grants(objects).stream().anyMatch(g -> g.allows(r));
    }

    /** What the bindings give each account, rule by rule, verb by verb. */
    private static List<Grant> grants(List<HasMetadata> objects) {
        List<Grant> out = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRoleBinding b) {
                ClusterRole role = find(objects, ClusterRole.class, b.getRoleRef().getName());
                b.getSubjects().forEach(s -> out.addAll(grants(s.getName(), role.getRules(), null)));
            } else if (o instanceof RoleBinding b) {
                Role role = find(objects, Role.class, b.getRoleRef().getName());
                b.getSubjects().forEach(s -> out.addAll(grants(s.getName(), role.getRules(),
                        b.getMetadata().getNamespace())));
            }
        }
        return out;
    }

    private static List<Grant> grants(String account, List<PolicyRule> rules, String namespace) {
        List<Grant> out = new ArrayList<>();
        for (PolicyRule rule : rules) {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*");
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        out.add(new Grant(account, verb, group, resource, rule.getResourceNames(), namespace));
                    }
                }
            }
        }
        return out;
    }

    private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    private static List<Request> requests() {
        return CALLS.stream().flatMap(c -> c.requests().stream()).toList();
    }

    /** "account File.java .entry()" for every fabric8 entry point in the component's source, benchmarks aside. */
    private static Set<String> callSites(String account, Path root) {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().contains("/bench/")).toList()) {
                Matcher m = CALL.matcher(Files.readString(f));
                while (m.find()) {
                    String entry = m.group(1) != null ? m.group(1) : m.group(2);
                    out.add(account + " " + f.getFileName() + " ." + entry + "()");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Call call(String account, String file, String entry, Request... requests) {
        return new Call(account, file, entry, List.of(requests));
    }

    private static Request r(String account, String verb, String group, String resource) {
        return new Request(account, verb, group, resource, null, null, false);
    }

    /** A core request in kovn's namespace. */
    private static Request ns(String account, String verb, String resource) {
        return new Request(account, verb, "", resource, null, DeployNames.NAMESPACE, false);
    }

    private static Request lease(String verb) {
        return new Request(C, verb, "coordination.k8s.io", "leases", null, DeployNames.NAMESPACE, false);
    }
}

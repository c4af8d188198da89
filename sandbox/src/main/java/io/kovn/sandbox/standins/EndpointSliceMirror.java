package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for kube-controller-manager's EndpointSlice controller: for every Service with a selector, the pods
 * of its namespace that match it and have an IP become endpoints (ready when the pod's Ready condition is True
 * and it is not terminating), with each service port's targetPort resolved against the pod (a named targetPort
 * by the pod's container port of that name). Pods that resolve to the same ports share a slice named
 * {@code <service>-<hash of the ports>}; slices no longer needed are deleted. kovn's controller reads these
 * slices exactly as it reads the real controller's.
 */
public final class EndpointSliceMirror implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EndpointSliceMirror.class);
    public static final String SERVICE_NAME = "kubernetes.io/service-name";
    public static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    public static final String MANAGER = "endpointslice-stand-in.sandbox.kovn.io";

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final KeyQueue<String> queue;

    public EndpointSliceMirror(KubernetesClient client) {
        this.client = client;
        services = client.services().inAnyNamespace().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
        queue = new KeyQueue<>("stand-in-endpointslices", this::sync);
        services.addEventHandler(new Handler<>(s -> queue.add(s.getMetadata().getNamespace() + "/"
                + s.getMetadata().getName())));
        // a pod change can concern any service of its namespace (old labels or new): look at all of them
        pods.addEventHandler(new Handler<>(p -> services.getStore().list().stream()
                .filter(s -> s.getMetadata().getNamespace().equals(p.getMetadata().getNamespace()))
                .forEach(s -> queue.add(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()))));
        services.start();
        pods.start();
    }

    private void sync(String key) {
        String ns = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        Service svc = services.getStore().getByKey(key);
        List<EndpointSlice> existing = client.discovery().v1().endpointSlices().inNamespace(ns)
                .withLabel(SERVICE_NAME, name).withLabel(MANAGED_BY, MANAGER).list().getItems();
        Map<String, EndpointSlice> desired = svc == null || svc.getSpec().getSelector() == null
                || svc.getSpec().getSelector().isEmpty() ? Map.of() : desired(svc);
        for (EndpointSlice old : existing) {
            if (!desired.containsKey(old.getMetadata().getName())) {
                client.discovery().v1().endpointSlices().inNamespace(ns).withName(old.getMetadata().getName()).delete();
            }
        }
        for (EndpointSlice want : desired.values()) {
            Optional<EndpointSlice> have = existing.stream()
                    .filter(e -> e.getMetadata().getName().equals(want.getMetadata().getName())).findFirst();
            if (have.isEmpty()) {
                client.discovery().v1().endpointSlices().inNamespace(ns).resource(want).create();
            } else if (!Objects.equals(have.get().getEndpoints(), want.getEndpoints())
                    || !Objects.equals(have.get().getPorts(), want.getPorts())) {
                EndpointSlice update = new EndpointSliceBuilder(want).editMetadata()
                        .withResourceVersion(have.get().getMetadata().getResourceVersion()).endMetadata().build();
                client.discovery().v1().endpointSlices().inNamespace(ns).resource(update).update();
            } else {
                continue;
            }
            log.info("EndpointSlice {}/{}: {} ready of {} endpoints", ns, want.getMetadata().getName(),
                    want.getEndpoints().stream().filter(e -> Boolean.TRUE.equals(e.getConditions().getReady())).count(),
                    want.getEndpoints().size());
        }
    }

    private Map<String, EndpointSlice> desired(Service svc) {
        String ns = svc.getMetadata().getNamespace();
        Map<String, String> selector = svc.getSpec().getSelector();
        Map<List<EndpointPort>, List<Endpoint>> byPorts = new LinkedHashMap<>();
        pods.getStore().list().stream()
                .filter(p -> p.getMetadata().getNamespace().equals(ns))
                .filter(p -> p.getMetadata().getLabels() != null
                        && p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null
                        && !p.getStatus().getPodIP().isEmpty())
                .sorted(Comparator.comparing(p -> p.getStatus().getPodIP()))
                .forEach(p -> {
                    List<EndpointPort> ports = ports(svc, p);
                    if (ports != null) {
                        byPorts.computeIfAbsent(ports, k -> new ArrayList<>()).add(endpoint(p));
                    }
                });
        if (byPorts.isEmpty()) {
            byPorts.put(ports(svc, null), List.of());
        }
        Map<String, EndpointSlice> slices = new LinkedHashMap<>();
        byPorts.forEach((ports, endpoints) -> {
            String sliceName = svc.getMetadata().getName() + "-" + String.format("%08x", ports.hashCode());
            slices.put(sliceName, new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(sliceName)
                    .addToLabels(SERVICE_NAME, svc.getMetadata().getName()).addToLabels(MANAGED_BY, MANAGER)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service")
                            .withName(svc.getMetadata().getName()).withUid(svc.getMetadata().getUid())
                            .withController(true).build())
                    .endMetadata().withAddressType("IPv4").withPorts(ports).withEndpoints(endpoints).build());
        });
        return slices;
    }

    /** The service's ports with targetPort resolved against {@code pod} (null pod: numbers only); null if unresolvable. */
    private static List<EndpointPort> ports(Service svc, Pod pod) {
        List<EndpointPort> out = new ArrayList<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
            IntOrString target = sp.getTargetPort();
            Integer port;
            if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
                port = sp.getPort();
            } else if (target.getIntVal() != null) {
                port = target.getIntVal();
            } else if (pod == null) {
                port = null;
            } else {
                port = namedPort(pod, target.getStrVal());
                if (port == null) {
                    return null;
                }
            }
            out.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName())
                    .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol()).withPort(port).build());
        }
        return out;
    }

    private static Integer namedPort(Pod pod, String name) {
        return pod.getSpec().getContainers().stream()
                .flatMap(c -> c.getPorts() == null ? java.util.stream.Stream.<ContainerPort>empty() : c.getPorts().stream())
                .filter(cp -> name.equals(cp.getName())).map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    private static Endpoint endpoint(Pod p) {
        boolean terminating = p.getMetadata().getDeletionTimestamp() != null;
        boolean podReady = p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        return new EndpointBuilder().withAddresses(p.getStatus().getPodIP())
                .withNewConditions().withReady(podReady && !terminating).withServing(podReady)
                .withTerminating(terminating).endConditions()
                .withNodeName(p.getSpec().getNodeName())
                .withNewTargetRef().withKind("Pod").withNamespace(p.getMetadata().getNamespace())
                .withName(p.getMetadata().getName()).withUid(p.getMetadata().getUid()).endTargetRef()
                .build();
    }

    @Override
    public void close() {
        queue.close();
        pods.close();
        services.close();
    }
}

package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for the API server's service IP allocation: a Service created without {@code spec.clusterIP}
 * (and not headless, not ExternalName) gets the next free address of the service CIDR, written back with a merge
 * patch. The first ten addresses are left out, as a real cluster keeps .1 for the kubernetes service and
 * .10 for DNS by custom. A NodePort (or LoadBalancer) Service's ports without {@code nodePort} get free ports
 * of the default node port range, 30000-32767, as the API server gives them.
 */
public final class ClusterIpAllocator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterIpAllocator.class);
    private static final long FIRST = 11;

    private final KubernetesClient client;
    private final Ipv4Cidr cidr;
    private final SharedIndexInformer<Service> services;
    private final KeyQueue<String> queue;
    private static final int FIRST_NODE_PORT = 30000;
    private static final int LAST_NODE_PORT = 32767;
    private long cursor = FIRST;

    public ClusterIpAllocator(KubernetesClient client, Ipv4Cidr serviceCidr) {
        this.client = client;
        this.cidr = serviceCidr;
        services = client.services().inAnyNamespace().runnableInformer(0);
        queue = new KeyQueue<>("stand-in-cluster-ip", this::allocate);
        services.addEventHandler(new Handler<>(s -> {
            if (needsIp(s) || needsNodePorts(s)) {
                queue.add(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName());
            }
        }));
        services.start();
    }

    private static boolean needsIp(Service s) {
        String ip = s.getSpec().getClusterIP();
        return (ip == null || ip.isEmpty()) && !"ExternalName".equals(s.getSpec().getType())
                && s.getMetadata().getDeletionTimestamp() == null;
    }

    private static boolean needsNodePorts(Service s) {
        String type = s.getSpec().getType();
        return ("NodePort".equals(type) || "LoadBalancer".equals(type)) && s.getSpec().getPorts() != null
                && s.getSpec().getPorts().stream().anyMatch(p -> p.getNodePort() == null || p.getNodePort() == 0)
                && s.getMetadata().getDeletionTimestamp() == null;
    }

    private void allocate(String key) {
        Service s = services.getStore().getByKey(key);
        if (s != null && needsNodePorts(s)) {
            allocateNodePorts(key, s);
        }
        if (s == null || !needsIp(s)) {
            return;
        }
        Set<String> used = new HashSet<>();
        for (Service other : client.services().inAnyNamespace().list().getItems()) {
            if (other.getSpec().getClusterIP() != null) {
                used.add(other.getSpec().getClusterIP());
            }
        }
        long size = cidr.size() - 1; // not the broadcast address
        for (long tried = 0; tried < size; tried++) {
            if (cursor >= size) {
                cursor = FIRST;
            }
            String ip = cidr.addressString(cursor++);
            if (!used.contains(ip)) {
                client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"spec\":{\"clusterIP\":\"" + ip + "\",\"clusterIPs\":[\"" + ip + "\"]}}");
                log.info("service {} gets cluster IP {}", key, ip);
                return;
            }
        }
        log.warn("service CIDR {} is full: service {} gets no cluster IP", cidr, key);
    }

    private void allocateNodePorts(String key, Service s) {
        Set<Integer> used = new HashSet<>();
        for (Service other : client.services().inAnyNamespace().list().getItems()) {
            if (other.getSpec().getPorts() != null) {
                other.getSpec().getPorts().forEach(p -> used.add(p.getNodePort()));
            }
        }
        List<String> ops = new ArrayList<>();
        int next = FIRST_NODE_PORT;
        for (int i = 0; i < s.getSpec().getPorts().size(); i++) {
            ServicePort p = s.getSpec().getPorts().get(i);
            if (p.getNodePort() != null && p.getNodePort() != 0) {
                continue;
            }
            while (next <= LAST_NODE_PORT && used.contains(next)) {
                next++;
            }
            if (next > LAST_NODE_PORT) {
                log.warn("no free node port for service {}", key);
                return;
            }
            used.add(next);
            ops.add("{\"op\":\"add\",\"path\":\"/spec/ports/" + i + "/nodePort\",\"value\":" + next + "}");
        }
        client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON), "[" + String.join(",", ops) + "]");
        log.info("service {} gets node ports ({} ports)", key, ops.size());
    }

    @Override
    public void close() {
        queue.close();
        services.close();
    }
}

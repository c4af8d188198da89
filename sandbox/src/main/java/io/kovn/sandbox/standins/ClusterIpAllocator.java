package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.ovn.net.Ipv4Cidr;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for the API server's service IP allocation: a Service created without {@code spec.clusterIP}
 * (and not headless, not ExternalName) gets the next free address of the service CIDR, written back with a merge
 * patch. The first ten addresses are left out, as a real cluster keeps .1 for the kubernetes service and
 * .10 for DNS by custom.
 */
public final class ClusterIpAllocator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterIpAllocator.class);
    private static final long FIRST = 11;

    private final KubernetesClient client;
    private final Ipv4Cidr cidr;
    private final SharedIndexInformer<Service> services;
    private final KeyQueue<String> queue;
    private long cursor = FIRST;

    public ClusterIpAllocator(KubernetesClient client, Ipv4Cidr serviceCidr) {
        this.client = client;
        this.cidr = serviceCidr;
        services = client.services().inAnyNamespace().runnableInformer(0);
        queue = new KeyQueue<>("stand-in-cluster-ip", this::allocate);
        services.addEventHandler(new Handler<>(s -> {
            if (needsIp(s)) {
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

    private void allocate(String key) {
        Service s = services.getStore().getByKey(key);
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

    @Override
    public void close() {
        queue.close();
        services.close();
    }
}

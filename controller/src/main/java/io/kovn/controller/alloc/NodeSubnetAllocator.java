package io.kovn.controller.alloc;

import io.kovn.ovn.net.Ipv4Cidr;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Carves the cluster subnet into per-node subnets and remembers which node holds which. Thread-safe. */
public final class NodeSubnetAllocator {
    private final Ipv4Cidr cluster;
    private final int prefix;
    private final int count;
    private final BitSet used = new BitSet();
    private final Map<String, Integer> byNode = new HashMap<>();

    public NodeSubnetAllocator(Ipv4Cidr cluster, int prefix) {
        this.cluster = cluster;
        this.prefix = prefix;
        this.count = 1 << Math.min(30, prefix - cluster.prefix());
    }

    private Ipv4Cidr subnet(int index) {
        return new Ipv4Cidr(cluster.network() + (index << (32 - prefix)), prefix);
    }

    public synchronized Optional<Ipv4Cidr> get(String node) {
        Integer i = byNode.get(node);
        return i == null ? Optional.empty() : Optional.of(subnet(i));
    }

    /**
     * Records that {@code node} holds {@code subnet} (rebuilt from an annotation or NB). Returns false if the
     * subnet is not one of the cluster's or another node holds it.
     */
    public synchronized boolean claim(String node, Ipv4Cidr subnet) {
        if (subnet.prefix() != prefix || !cluster.contains(subnet)) {
            return false;
        }
        int index = (subnet.network() - cluster.network()) >>> (32 - prefix);
        Integer mine = byNode.get(node);
        if (mine != null && mine == index) {
            return true;
        }
        if (used.get(index) || mine != null) {
            return false;
        }
        used.set(index);
        byNode.put(node, index);
        return true;
    }

    /** The node's subnet, allocating the lowest free one if it has none. */
    public synchronized Ipv4Cidr allocate(String node) throws ExhaustedException {
        Integer mine = byNode.get(node);
        if (mine != null) {
            return subnet(mine);
        }
        int index = used.nextClearBit(0);
        if (index >= count) {
            throw new ExhaustedException("cluster subnet " + cluster + " has no free /" + prefix + " subnet left for node " + node);
        }
        used.set(index);
        byNode.put(node, index);
        return subnet(index);
    }

    public synchronized void release(String node) {
        Integer i = byNode.remove(node);
        if (i != null) {
            used.clear(i);
        }
    }

    public synchronized int allocatedCount() {
        return byNode.size();
    }
}

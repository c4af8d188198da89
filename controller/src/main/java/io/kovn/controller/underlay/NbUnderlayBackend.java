package io.kovn.controller.underlay;

import io.kovn.controller.Metrics;
import io.kovn.controller.NbWriter;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.nb.LoadBalancer;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovn.nb.PortGroup;
import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTxn;
import io.kovn.ovn.ops.PolicyOps;
import io.kovn.ovn.ops.RouterOps;
import io.kovn.ovn.ops.SwitchOps;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import io.kovn.ovsdb.wire.Uuid;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NB-native back end: writes the VMs' pod switches, their router ports and the pooled child ports straight into
 * the cloud's NB with kovn's OVSDB client. Every row carries kovn's owner external_ids (the Node, or the Cluster
 * for a router it made) and {@link UnderlayNames#ROLE}; the Services' load balancers are the overlay's rows (owner
 * the Service), in group {@value #SERVICES_GROUP}, which has no external_ids column. One VM is one transaction, computed from the replica, so a
 * repeated call or a restart writes only what differs. A router that exists already (the cloud's) is used as it is:
 * only kovn's ports are added to it.
 */
public final class NbUnderlayBackend implements UnderlayBackend {
    private static final Logger log = LoggerFactory.getLogger(NbUnderlayBackend.class);
    /** The load balancer group of the Services, on every pod switch. */
    static final String SERVICES_GROUP = "kovn-underlay-services";
    /** external_ids key naming the security profile a port group stands for (the cloud's admin sets it). */
    public static final String PROFILE = "kovn.io/security-profile";
    /** kovn's port group of the ports whose pod names an unknown profile: they take no traffic. */
    static final String DENY_GROUP = "kovn_underlay_deny";
    /** Above any profile's ACLs. */
    private static final long DENY_PRIORITY = 32000;

    private final NbWriter writer;
    private final DatabaseReplica nb;
    private final UnderlaySettings settings;

    public NbUnderlayBackend(OvsdbClient client, DatabaseReplica nb, UnderlaySettings settings) {
        this.writer = new NbWriter(client, nb, new Metrics());
        this.nb = nb;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "nb";
    }

    @Override
    public synchronized UnderlayPool ensure(UnderlayVm vm) throws Exception {
        NbTxn txn = new NbTxn(nb);
        if (RouterOps.ref(txn, settings.router()).isEmpty()) {
            RouterOps.ensureRouter(txn, settings.router(), Map.of(),
                    ids(Owners.of(Owners.TYPE_CLUSTER, settings.router()), UnderlayNames.ROLE_ROUTER));
        }
        LoadBalancerOps.ensureGroup(txn, SERVICES_GROUP);
        Map<String, String> owner = Owners.of(Owners.TYPE_NODE, vm.node());
        Ipv4Cidr subnet = subnetOf(vm.node()).orElseGet(this::freeSubnet);
        String ls = UnderlayNames.podSwitch(vm.node());
        SwitchOps.ensure(txn, new SwitchOps.SwitchSpec(ls, Map.of("subnet", subnet.toString()),
                ids(owner, UnderlayNames.ROLE_POD_SWITCH), Set.of(SERVICES_GROUP)));
        int gateway = subnet.address(1);
        RouterOps.ensurePort(txn, settings.router(), new RouterOps.RouterPortSpec(UnderlayNames.routerPort(vm.node()),
                MacAddress.fromIpv4(gateway), Set.of(subnet.withPrefix(gateway)), ids(owner, UnderlayNames.ROLE_ROUTER_PORT)));
        SwitchOps.ensurePort(txn, ls, new SwitchOps.PortSpec(UnderlayNames.switchRouterPort(vm.node()), "router",
                Set.of("router"), Set.of(), Map.of("router-port", UnderlayNames.routerPort(vm.node())),
                ids(owner, UnderlayNames.ROLE_SWITCH_ROUTER_PORT)));

        List<UnderlayPool.Port> pool = pool(vm, subnet);
        Set<String> poolNames = new HashSet<>();
        pool.forEach(p -> poolNames.add(p.id()));
        for (LogicalSwitchPort stale : poolPorts(vm.node())) {
            if (!poolNames.contains(stale.name())) {
                SwitchOps.deletePort(txn, stale);
            }
        }
        for (UnderlayPool.Port p : pool) {
            String ip = p.address().address().toString();
            SwitchOps.ensureChildPort(txn, ls, new SwitchOps.PortSpec(p.id(), "", Set.of(p.mac() + " " + ip),
                    Set.of(p.mac() + " " + ip), Map.of(), ids(owner, UnderlayNames.ROLE_POOL_PORT)), vm.vmPort(), p.tag());
        }
        if (!txn.isEmpty()) {
            writer.commit(txn);
            log.info("underlay: VM {} (port {}): pod switch {} ({}), pool of {} ports", vm.node(), vm.vmPort(), ls,
                    subnet, pool.size());
        }
        return new UnderlayPool(pool);
    }

    /**
     * The pool as it should be: the node's pool ports that are sound (an address in the subnet, a tag no other child
     * of the VM port uses), then new ones up to the size with the lowest free tags and addresses. Unsound ports are
     * removed; sound ports past the size are kept: which ones pods hold is known only inside the VM.
     */
    private List<UnderlayPool.Port> pool(UnderlayVm vm, Ipv4Cidr subnet) {
        Ipv4Address gateway = new Ipv4Address(subnet.address(1));
        List<LogicalSwitchPort> mine = poolPorts(vm.node());
        Set<String> mineNames = new HashSet<>();
        mine.forEach(p -> mineNames.add(p.name()));
        Set<Integer> foreignTags = new HashSet<>();
        for (LogicalSwitchPort p : nb.list(LogicalSwitchPort.TABLE)) {
            if (p.parentName().equals(Optional.of(vm.vmPort())) && !mineNames.contains(p.name())) {
                p.tag().or(p::tagRequest).ifPresent(t -> foreignTags.add(t.intValue()));
            }
        }
        List<UnderlayPool.Port> kept = new ArrayList<>();
        Set<Integer> tags = new HashSet<>(foreignTags);
        Set<Integer> addresses = new HashSet<>(Set.of(gateway.value()));
        for (LogicalSwitchPort p : mine) {
            Optional<UnderlayPool.Port> sound = soundPort(p, subnet, gateway);
            if (sound.isPresent() && tags.add(sound.get().tag()) && addresses.add(sound.get().address().address().value())) {
                kept.add(sound.get());
            }
        }
        int tag = 1;
        long offset = 2;
        while (kept.size() < vm.poolSize()) {
            while (tags.contains(tag) || nb.lookupOne(LogicalSwitchPort.TABLE, LogicalSwitchPort.NAME,
                    UnderlayNames.poolPort(vm.node(), tag)).filter(p -> !mineNames.contains(p.name())).isPresent()) {
                tag++;
            }
            while (offset < subnet.size() - 1 && addresses.contains(subnet.address(offset))) {
                offset++;
            }
            if (tag > 4094 || offset >= subnet.size() - 1) {
                log.warn("underlay: VM {}: no free tag or address left in {} for a pool of {}", vm.node(), subnet,
                        vm.poolSize());
                break;
            }
            int ip = subnet.address(offset);
            kept.add(new UnderlayPool.Port(UnderlayNames.poolPort(vm.node(), tag), Ipv4InterfaceAddress.in(subnet, ip),
                    gateway, MacAddress.ofIpv4(ip), tag));
            tags.add(tag);
            addresses.add(ip);
        }
        kept.sort(Comparator.comparingInt(UnderlayPool.Port::tag));
        return kept;
    }

    private List<LogicalSwitchPort> poolPorts(String node) {
        return nb.byExternalId(LogicalSwitchPort.TABLE, Owners.OWNER, node).stream()
                .filter(p -> UnderlayNames.ROLE_POOL_PORT.equals(p.externalIds().get(UnderlayNames.ROLE))).toList();
    }

    /** A pool port of NB as the pool holds it, if its name, tag and single "mac ip" address are sound. */
    private static Optional<UnderlayPool.Port> soundPort(LogicalSwitchPort p, Ipv4Cidr subnet, Ipv4Address gateway) {
        Optional<Long> tag = p.tag().or(p::tagRequest);
        if (tag.isEmpty() || p.addresses().size() != 1) {
            return Optional.empty();
        }
        String[] parts = p.addresses().iterator().next().split(" ");
        try {
            int ip = Ipv4Cidr.parseAddress(parts.length == 2 ? parts[1] : "");
            if (!subnet.contains(ip) || ip == subnet.network() || ip == subnet.broadcast()
                    || !p.name().equals(UnderlayNames.poolPort(p.externalIds().get(Owners.OWNER), tag.get().intValue()))) {
                return Optional.empty();
            }
            return Optional.of(new UnderlayPool.Port(p.name(), Ipv4InterfaceAddress.in(subnet, ip), gateway,
                    MacAddress.parse(parts[0]), tag.get().intValue()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized void removeAllBut(Set<String> keep) throws Exception {
        NbTxn txn = new NbTxn(nb);
        for (LogicalSwitch ls : nb.byExternalId(LogicalSwitch.TABLE, UnderlayNames.ROLE, UnderlayNames.ROLE_POD_SWITCH)) {
            if (!keep.contains(ls.externalIds().get(Owners.OWNER))) {
                SwitchOps.delete(txn, ls);
            }
        }
        for (LogicalRouterPort lrp : nb.byExternalId(LogicalRouterPort.TABLE, UnderlayNames.ROLE,
                UnderlayNames.ROLE_ROUTER_PORT)) {
            if (!keep.contains(lrp.externalIds().get(Owners.OWNER))) {
                RouterOps.deletePort(txn, lrp);
            }
        }
        if (!txn.isEmpty()) {
            log.info("underlay: removing the pod networks of VMs no longer in underlay mode");
            writer.commit(txn);
        }
    }

    @Override
    public synchronized void ensureServices(Collection<LoadBalancerOps.LoadBalancerSpec> wanted) throws Exception {
        NbTxn txn = new NbTxn(nb);
        LoadBalancerOps.ensureGroup(txn, SERVICES_GROUP);
        Set<String> names = new HashSet<>();
        for (LoadBalancerOps.LoadBalancerSpec spec : wanted) {
            LoadBalancerOps.ensure(txn, spec, SERVICES_GROUP);
            names.add(spec.name());
        }
        for (LoadBalancer lb : nb.byExternalId(LoadBalancer.TABLE, Owners.OWNER_TYPE, Owners.TYPE_SERVICE)) {
            if (!names.contains(lb.name())) {
                LoadBalancerOps.delete(txn, lb);
            }
        }
        if (!txn.isEmpty()) {
            writer.commit(txn);
            log.info("underlay: {} Service load balancers on the pod switches", wanted.size());
        }
    }

    /** The profiles: port groups the cloud's admin made with {@value #PROFILE} = the profile's name. */
    @Override
    public Set<String> profiles() {
        Set<String> out = new HashSet<>();
        nb.withExternalId(PortGroup.TABLE, PROFILE).forEach(pg -> out.add(pg.externalIds().get(PROFILE)));
        return out;
    }

    @Override
    public synchronized void ensureProfiles(Map<String, Set<String>> members, Set<String> denied) throws Exception {
        Map<String, Uuid> pool = new HashMap<>();
        for (LogicalSwitchPort p : nb.byExternalId(LogicalSwitchPort.TABLE, UnderlayNames.ROLE, UnderlayNames.ROLE_POOL_PORT)) {
            pool.put(p.name(), p.uuid());
        }
        NbTxn txn = new NbTxn(nb);
        for (PortGroup pg : nb.withExternalId(PortGroup.TABLE, PROFILE)) {
            membership(txn, pg, uuids(members.getOrDefault(pg.externalIds().get(PROFILE), Set.of()), pool), pool);
        }
        Set<Uuid> deny = uuids(denied, pool);
        Map<String, String> owner = ids(Owners.of(Owners.TYPE_CLUSTER, DENY_GROUP), UnderlayNames.ROLE_DENY_GROUP);
        PolicyOps.ensurePortGroup(txn, DENY_GROUP, deny, Set.of(
                new PolicyOps.AclSpec("to-lport", DENY_PRIORITY, "outport == @" + DENY_GROUP, "drop", Optional.empty(),
                        Optional.empty(), owner),
                new PolicyOps.AclSpec("from-lport", DENY_PRIORITY, "inport == @" + DENY_GROUP, "drop", Optional.empty(),
                        Optional.empty(), owner)), owner);
        if (!txn.isEmpty()) {
            writer.commit(txn);
            log.info("underlay: security profiles: {}; {} ports denied (unknown profiles)", members, denied.size());
        }
    }

    /** The profile's pool ports become {@code wanted}, by one mutate; its other ports are the cloud's and stay. */
    private static void membership(NbTxn txn, PortGroup pg, Set<Uuid> wanted, Map<String, Uuid> pool) {
        Set<Uuid> ours = new HashSet<>(pool.values());
        Set<Uuid> drop = new HashSet<>();
        for (Uuid u : pg.ports()) {
            if (ours.contains(u) && !wanted.contains(u)) {
                drop.add(u);
            }
        }
        Set<Uuid> add = new HashSet<>(wanted);
        add.removeAll(pg.ports());
        if (drop.isEmpty() && add.isEmpty()) {
            return;
        }
        Operation.Mutate m = Operation.mutate(PortGroup.TABLE).where(Condition.uuid(pg.uuid()));
        if (!drop.isEmpty()) {
            m = m.with(PortGroup.PORTS.delete(drop));
        }
        if (!add.isEmpty()) {
            m = m.with(PortGroup.PORTS.insert(add));
        }
        txn.add(m);
    }

    private static Set<Uuid> uuids(Set<String> ports, Map<String, Uuid> pool) {
        Set<Uuid> out = new HashSet<>();
        ports.forEach(p -> {
            Uuid u = pool.get(p);
            if (u != null) {
                out.add(u);
            }
        });
        return out;
    }

    /** The subnet of the node's pod switch, if it has one that parses. */
    private Optional<Ipv4Cidr> subnetOf(String node) {
        return nb.lookupOne(LogicalSwitch.TABLE, LogicalSwitch.NAME, UnderlayNames.podSwitch(node))
                .filter(ls -> UnderlayNames.ROLE_POD_SWITCH.equals(ls.externalIds().get(UnderlayNames.ROLE)))
                .map(ls -> ls.otherConfig().get("subnet")).flatMap(s -> {
                    try {
                        return Optional.of(Ipv4Cidr.parse(s));
                    } catch (IllegalArgumentException e) {
                        return Optional.empty();
                    }
                });
    }

    /** The first subnet of the pod network no pod switch of underlay mode holds. */
    private Ipv4Cidr freeSubnet() {
        Set<Ipv4Cidr> used = new HashSet<>();
        for (LogicalSwitch ls : nb.byExternalId(LogicalSwitch.TABLE, UnderlayNames.ROLE, UnderlayNames.ROLE_POD_SWITCH)) {
            try {
                used.add(Ipv4Cidr.parse(ls.otherConfig().getOrDefault("subnet", "")));
            } catch (IllegalArgumentException e) {
                // a switch without a sound subnet holds none
            }
        }
        long count = 1L << (settings.podSubnetPrefix() - settings.podNetwork().prefix());
        long step = 1L << (32 - settings.podSubnetPrefix());
        for (long i = 0; i < count; i++) {
            Ipv4Cidr candidate = new Ipv4Cidr(settings.podNetwork().address(i * step), settings.podSubnetPrefix());
            if (used.stream().noneMatch(candidate::overlaps)) {
                return candidate;
            }
        }
        throw new IllegalStateException("the pod network " + settings.podNetwork() + " has no free /"
                + settings.podSubnetPrefix() + " left for another VM");
    }

    private static Map<String, String> ids(Map<String, String> owner, String role) {
        Map<String, String> m = new LinkedHashMap<>(owner);
        m.put(UnderlayNames.ROLE, role);
        return m;
    }

    /**
     * One transaction; then waits until the replica shows the rows it inserted and not those it deleted (as the
     * overlay's NbWriter does), so the next call reads its own writes and never inserts a row twice.
     */
}

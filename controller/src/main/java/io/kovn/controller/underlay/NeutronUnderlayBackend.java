package io.kovn.controller.underlay;

import io.kovn.controller.underlay.NeutronObjects.FixedIp;
import io.kovn.controller.underlay.NeutronObjects.Network;
import io.kovn.controller.underlay.NeutronObjects.Port;
import io.kovn.controller.underlay.NeutronObjects.Router;
import io.kovn.controller.underlay.NeutronObjects.SecurityGroup;
import io.kovn.controller.underlay.NeutronObjects.Subnet;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.ops.LoadBalancerOps;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Neutron back end: makes the VMs' pod networks and pools through the cloud's Neutron API, whose ML2/OVN driver
 * writes NB; kovn never reads or writes NB itself here. Per VM: a network and a subnet {@code kovn-pods-<node>} (the
 * first {@code --node-subnet-prefix} subnet of {@code --cluster-subnet} no Neutron subnet overlaps), an interface of the
 * router {@code --underlay-router} on it (the router is made if missing), and the pool: ports {@code kup-<hash>-<tag>}
 * on that network whose {@code binding:profile} is {@code {"parent_name": <the VM's port>, "tag": <tag>}}, with
 * {@code device_owner} {@value #POOL_OWNER}. Neutron picks their MACs and addresses; the pool's port ids are Neutron's
 * port ids, which are also their NB port names.
 *
 * <p>Ownership is in Neutron's own fields: every object kovn makes has a description naming kovn's owner and role
 * ({@link #marker}), and nothing without kovn's description is changed or deleted. A call lists before it creates, so
 * a restart, or a create whose answer was lost, finds what exists; duplicates (two ports with one tag: the oldest
 * stays) and unsound ports (another parent, no address in the subnet) are deleted.
 *
 * <p>Security profiles are Neutron security groups, by name (when unique) or id. A pool port is in the groups its pod
 * names, in none with port security on (ML2/OVN's drop group: no traffic) when its pod names an unknown profile, and
 * otherwise in kovn's group {@value #OPEN_GROUP}, which admits everything, as a port in no profile is open with the
 * NB-native back end. Services are not balanced: Neutron has no load balancer without Octavia, and kovn does not write
 * Neutron's switches.
 */
public final class NeutronUnderlayBackend implements UnderlayBackend {
    private static final Logger log = LoggerFactory.getLogger(NeutronUnderlayBackend.class);
    /** The device_owner of pool ports: lists them all in one call. */
    static final String POOL_OWNER = "kovn:underlay-pool";
    /** kovn's security group for pool ports in no profile. */
    static final String OPEN_GROUP = "kovn-underlay-open";
    private static final String ROUTER_INTERFACE = "network:router_interface";
    private static final int MAX_LIST = 100_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final NeutronApi api;
    private final UnderlaySettings settings;
    private String openGroup;
    private boolean servicesReported;

    public NeutronUnderlayBackend(NeutronSettings neutron, UnderlaySettings settings) {
        this.api = new NeutronApi(neutron);
        this.settings = settings;
    }

    @Override
    public String name() {
        return "neutron";
    }

    /** What kovn writes in the description of what it makes: owner type, owner, role. */
    static String marker(String ownerType, String owner, String role) {
        String m = Owners.OWNER_TYPE + "=" + ownerType + "," + Owners.OWNER + "=" + owner + "," + UnderlayNames.ROLE + "="
                + role;
        if (m.length() > NeutronObjects.MAX_TEXT) {
            throw new IllegalArgumentException("the owner " + owner + " is too long for a Neutron description");
        }
        return m;
    }

    private static String nodeMarker(String node, String role) {
        return marker(Owners.TYPE_NODE, node, role);
    }

    @Override
    public synchronized UnderlayPool ensure(UnderlayVm vm) throws Exception {
        Router router = router();
        String name = UnderlayNames.podSwitch(vm.node());
        Network net = podNetwork(vm.node(), name);
        Subnet subnet = podSubnet(vm.node(), net, name);
        Ipv4Address gateway = subnet.gateway().orElseThrow(() -> new IllegalStateException("subnet " + subnet.id()
                + " of " + name + " has no gateway"));
        List<Port> onNet = ports(Map.of("network_id", net.id()));
        if (onNet.stream().noneMatch(p -> ROUTER_INTERFACE.equals(p.deviceOwner()) && router.id().equals(p.deviceId()))) {
            ObjectNode body = NODES.objectNode().put("subnet_id", subnet.id());
            api.put("routers/" + router.id() + "/add_router_interface", body);
            log.info("underlay (neutron): router {} has an interface on {} ({})", router.name(), name, subnet.cidr());
        }
        String poolMarker = nodeMarker(vm.node(), UnderlayNames.ROLE_POOL_PORT);
        List<UnderlayPool.Port> pool = new ArrayList<>();
        Set<Integer> tags = new HashSet<>();
        List<Port> mine = new ArrayList<>(onNet.stream().filter(p -> poolMarker.equals(p.description())).toList());
        mine.sort(Comparator.comparing(Port::createdAt).thenComparing(Port::id));
        for (Port p : mine) {
            Optional<UnderlayPool.Port> sound = soundPort(p, vm, subnet, gateway);
            if (sound.isPresent() && tags.add(sound.get().tag())) {
                pool.add(sound.get());
            } else {
                log.info("underlay (neutron): VM {}: deleting pool port {} ({}): a duplicate or unsound", vm.node(),
                        p.id(), p.name());
                api.delete("ports/" + p.id());
            }
        }
        int tag = 1;
        int made = 0;
        while (pool.size() < vm.poolSize()) {
            while (tags.contains(tag)) {
                tag++;
            }
            if (tag > 4094) {
                log.warn("underlay (neutron): VM {}: no free tag left for a pool of {}", vm.node(), vm.poolSize());
                break;
            }
            Port p = createPoolPort(vm, net, subnet, tag, poolMarker);
            pool.add(soundPort(p, vm, subnet, gateway).orElseThrow(() -> new IllegalStateException(
                    "Neutron made pool port " + p.id() + " without one address in " + subnet.cidr())));
            tags.add(tag);
            made++;
        }
        if (made > 0) {
            log.info("underlay (neutron): VM {} (port {}): network {} ({}), {} pool ports made, {} in all", vm.node(),
                    vm.vmPort(), name, subnet.cidr(), made, pool.size());
        }
        pool.sort(Comparator.comparingInt(UnderlayPool.Port::tag));
        return new UnderlayPool(pool);
    }

    private Port createPoolPort(UnderlayVm vm, Network net, Subnet subnet, int tag, String marker) throws Exception {
        ObjectNode port = NODES.objectNode();
        port.put("network_id", net.id()).put("name", UnderlayNames.poolPort(vm.node(), tag)).put("description", marker)
                .put("device_owner", POOL_OWNER);
        port.putArray("fixed_ips").addObject().put("subnet_id", subnet.id());
        port.putObject("binding:profile").put("parent_name", vm.vmPort()).put("tag", tag);
        port.putArray("security_groups").add(openGroup());
        ObjectNode body = NODES.objectNode();
        body.set("port", port);
        return Port.parse(NeutronObjects.one(api.post("ports", body), "port"));
    }

    /** A pool port as the pool holds it, if it is a child of the VM's port with its name's tag and one address. */
    private static Optional<UnderlayPool.Port> soundPort(Port p, UnderlayVm vm, Subnet subnet, Ipv4Address gateway) {
        if (p.parent().isEmpty() || !p.parent().get().equals(vm.vmPort()) || p.tag().isEmpty()
                || p.tag().get() < 1 || p.tag().get() > 4094
                || !p.name().equals(UnderlayNames.poolPort(vm.node(), p.tag().get())) || p.fixedIps().size() != 1) {
            return Optional.empty();
        }
        FixedIp ip = p.fixedIps().get(0);
        if (!ip.subnetId().equals(subnet.id()) || !subnet.cidr().contains(ip.ip().value())) {
            return Optional.empty();
        }
        return Optional.of(new UnderlayPool.Port(p.id(), Ipv4InterfaceAddress.in(subnet.cidr(), ip.ip().value()),
                gateway, p.mac(), p.tag().get()));
    }

    /** The router by name, made (marked as kovn's) if no router has that name. */
    private Router router() throws Exception {
        List<Router> found = NeutronObjects.list(api.get("routers", Map.of("name", settings.router())), "routers",
                MAX_LIST, Router::parse);
        if (found.size() > 1) {
            throw new IllegalStateException(found.size() + " Neutron routers are named " + settings.router()
                    + ": kovn cannot tell which one to use");
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        ObjectNode body = NODES.objectNode();
        body.putObject("router").put("name", settings.router()).put("description",
                marker(Owners.TYPE_CLUSTER, settings.router(), UnderlayNames.ROLE_ROUTER));
        Router r = Router.parse(NeutronObjects.one(api.post("routers", body), "router"));
        log.info("underlay (neutron): made router {} ({})", r.name(), r.id());
        return r;
    }

    /** The VM's pod network: kovn's network of that name (extra ones, from lost answers, are removed), or a new one. */
    private Network podNetwork(String node, String name) throws Exception {
        String marker = nodeMarker(node, UnderlayNames.ROLE_POD_SWITCH);
        List<Network> found = new ArrayList<>(NeutronObjects.list(api.get("networks", Map.of("name", name)), "networks",
                MAX_LIST, Network::parse).stream().filter(n -> marker.equals(n.description())).toList());
        found.sort(Comparator.comparing(Network::id));
        for (Network extra : found.subList(Math.min(1, found.size()), found.size())) {
            removeNetwork(extra);
        }
        if (!found.isEmpty()) {
            return found.get(0);
        }
        ObjectNode body = NODES.objectNode();
        body.putObject("network").put("name", name).put("description", marker).put("admin_state_up", true);
        return Network.parse(NeutronObjects.one(api.post("networks", body), "network"));
    }

    private Subnet podSubnet(String node, Network net, String name) throws Exception {
        List<Subnet> found = subnets(Map.of("network_id", net.id()));
        if (!found.isEmpty()) {
            return found.get(0);
        }
        Ipv4Cidr cidr = freeSubnet(subnets(Map.of()));
        ObjectNode subnet = NODES.objectNode();
        subnet.put("network_id", net.id()).put("name", name).put("ip_version", 4).put("cidr", cidr.toString())
                .put("gateway_ip", cidr.addressString(1)).put("enable_dhcp", false)
                .put("description", nodeMarker(node, UnderlayNames.ROLE_POD_SWITCH));
        ObjectNode body = NODES.objectNode();
        body.set("subnet", subnet);
        return Subnet.parse(NeutronObjects.one(api.post("subnets", body), "subnet")).orElseThrow();
    }

    /** The first pod subnet of the pod network that overlaps no IPv4 subnet Neutron has. */
    private Ipv4Cidr freeSubnet(List<Subnet> all) {
        long count = 1L << (settings.podSubnetPrefix() - settings.podNetwork().prefix());
        long step = 1L << (32 - settings.podSubnetPrefix());
        for (long i = 0; i < count; i++) {
            Ipv4Cidr candidate = new Ipv4Cidr(settings.podNetwork().address(i * step), settings.podSubnetPrefix());
            if (all.stream().noneMatch(s -> s.cidr().overlaps(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("the pod network " + settings.podNetwork() + " has no free /"
                + settings.podSubnetPrefix() + " left for another VM");
    }

    private List<Subnet> subnets(Map<String, String> filters) throws Exception {
        List<Subnet> out = new ArrayList<>();
        NeutronObjects.list(api.get("subnets", filters), "subnets", MAX_LIST, Subnet::parse).forEach(s -> s.ifPresent(out::add));
        return out;
    }

    private List<Port> ports(Map<String, String> filters) throws Exception {
        return NeutronObjects.list(api.get("ports", filters), "ports", MAX_LIST, Port::parse);
    }

    /** kovn's pool ports on the network, the router's interfaces on its subnets, then the network. */
    private void removeNetwork(Network net) throws Exception {
        for (Port p : ports(Map.of("network_id", net.id()))) {
            if (ROUTER_INTERFACE.equals(p.deviceOwner())) {
                for (FixedIp ip : p.fixedIps()) {
                    ObjectNode body = NODES.objectNode().put("subnet_id", ip.subnetId());
                    try {
                        api.put("routers/" + p.deviceId() + "/remove_router_interface", body);
                    } catch (NeutronApi.NeutronException e) {
                        if (e.status() != 404) {
                            throw e;
                        }
                    }
                }
            } else if (POOL_OWNER.equals(p.deviceOwner())) {
                api.delete("ports/" + p.id());
            }
        }
        api.delete("networks/" + net.id());
        log.info("underlay (neutron): removed network {} ({})", net.name(), net.id());
    }

    @Override
    public synchronized void removeAllBut(Set<String> keep) throws Exception {
        for (Network net : NeutronObjects.list(api.get("networks", Map.of()), "networks", MAX_LIST, Network::parse)) {
            Optional<String> node = nodeOf(net);
            if (node.isPresent() && !keep.contains(node.get())) {
                removeNetwork(net);
            }
        }
    }

    /** The node of a pod network kovn made: its name says which, and its description must then be kovn's marker. */
    private static Optional<String> nodeOf(Network net) {
        String prefix = UnderlayNames.podSwitch("");
        if (!net.name().startsWith(prefix)) {
            return Optional.empty();
        }
        String node = net.name().substring(prefix.length());
        return !node.isEmpty() && net.description().equals(nodeMarker(node, UnderlayNames.ROLE_POD_SWITCH))
                ? Optional.of(node) : Optional.empty();
    }

    @Override
    public synchronized void ensureServices(Collection<LoadBalancerOps.LoadBalancerSpec> wanted) {
        boolean any = !wanted.isEmpty();
        if (any && !servicesReported) {
            log.warn("underlay (neutron): {} Service load balancers are not applied: the Neutron back end balances no "
                    + "Services (Neutron has none without Octavia, and kovn does not write Neutron's switches)",
                    wanted.size());
        }
        servicesReported = any;
    }

    /** Security groups by name (when no other group has that name) and by id; kovn's open group is not a profile. */
    @Override
    public synchronized Set<String> profiles() throws Exception {
        return profileIds().keySet();
    }

    private Map<String, String> profileIds() throws Exception {
        Map<String, String> byKey = new HashMap<>();
        Map<String, Integer> names = new HashMap<>();
        List<SecurityGroup> groups = NeutronObjects.list(api.get("security-groups", Map.of()), "security_groups",
                MAX_LIST, SecurityGroup::parse);
        for (SecurityGroup g : groups) {
            if (!isOpenGroup(g)) {
                names.merge(g.name(), 1, Integer::sum);
            }
        }
        for (SecurityGroup g : groups) {
            if (!isOpenGroup(g)) {
                byKey.put(g.id(), g.id());
                if (names.get(g.name()) == 1 && !g.name().isEmpty()) {
                    byKey.put(g.name(), g.id());
                }
            }
        }
        return byKey;
    }

    private static boolean isOpenGroup(SecurityGroup g) {
        return OPEN_GROUP.equals(g.name())
                && g.description().equals(marker(Owners.TYPE_CLUSTER, OPEN_GROUP, UnderlayNames.ROLE_OPEN_GROUP));
    }

    @Override
    public synchronized void ensureProfiles(Map<String, Set<String>> members, Set<String> denied) throws Exception {
        Map<String, String> ids = profileIds();
        Map<String, Set<String>> wanted = new HashMap<>();
        members.forEach((profile, ports) -> {
            String sg = ids.get(profile);
            if (sg != null) {
                ports.forEach(p -> wanted.computeIfAbsent(p, k -> new TreeSet<>()).add(sg));
            }
        });
        String open = openGroup();
        int changed = 0;
        for (Port p : ports(Map.of("device_owner", POOL_OWNER))) {
            if (!p.description().startsWith(Owners.OWNER_TYPE + "=" + Owners.TYPE_NODE + ",")) {
                continue;
            }
            Set<String> groups = denied.contains(p.id()) ? Set.of() : wanted.getOrDefault(p.id(), Set.of(open));
            if (!groups.equals(p.securityGroups())) {
                ObjectNode body = NODES.objectNode();
                body.putObject("port").putArray("security_groups").addAll(groups.stream().map(NODES::stringNode).toList());
                api.put("ports/" + p.id(), body);
                changed++;
            }
        }
        if (changed > 0) {
            log.info("underlay (neutron): security profiles: {}; {} ports denied (unknown profiles); {} ports changed",
                    members, denied.size(), changed);
        }
    }

    /** kovn's group admitting everything (IPv4 and IPv6 in; Neutron adds the egress rules itself), made once. */
    private String openGroup() throws Exception {
        if (openGroup != null) {
            return openGroup;
        }
        String marker = marker(Owners.TYPE_CLUSTER, OPEN_GROUP, UnderlayNames.ROLE_OPEN_GROUP);
        Optional<SecurityGroup> found = NeutronObjects.list(api.get("security-groups", Map.of("name", OPEN_GROUP)),
                "security_groups", MAX_LIST, SecurityGroup::parse).stream().filter(NeutronUnderlayBackend::isOpenGroup)
                .min(Comparator.comparing(SecurityGroup::id));
        String id;
        if (found.isPresent()) {
            id = found.get().id();
        } else {
            ObjectNode body = NODES.objectNode();
            body.putObject("security_group").put("name", OPEN_GROUP).put("description", marker);
            id = SecurityGroup.parse(NeutronObjects.one(api.post("security-groups", body), "security_group")).id();
        }
        JsonNode rules = api.get("security-group-rules", Map.of("security_group_id", id, "direction", "ingress"));
        Set<String> have = new HashSet<>();
        JsonNode list = rules.get("security_group_rules");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("Neutron's answer has no list security_group_rules");
        }
        for (JsonNode r : list) {
            if (r.path("protocol").isNull() && r.path("remote_group_id").isNull() && r.path("ethertype").isString()) {
                have.add(r.path("ethertype").asString());
            }
        }
        for (String ethertype : List.of("IPv4", "IPv6")) {
            if (!have.contains(ethertype)) {
                ObjectNode body = NODES.objectNode();
                body.putObject("security_group_rule").put("security_group_id", id).put("direction", "ingress")
                        .put("ethertype", ethertype);
                api.post("security-group-rules", body);
            }
        }
        openGroup = id;
        return id;
    }
}

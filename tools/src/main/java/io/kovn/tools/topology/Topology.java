package io.kovn.tools.topology;

import io.kovn.ovn.Names;
import io.kovn.ovn.Owners;
import io.kovn.ovn.nb.LogicalRouter;
import io.kovn.ovn.nb.LogicalRouterPort;
import io.kovn.ovn.nb.LogicalSwitch;
import io.kovn.ovn.nb.LogicalSwitchPort;
import io.kovn.ovsdb.replica.DatabaseReplica;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The logical network as NB holds it: routers (the cluster router, gateway routers), switches (node switches with
 * their subnet and pod count, the join switch, external switches with their localnet network) and the links
 * between them (a switch's router port and the router port's networks).
 */
public record Topology(List<Router> routers, List<Switch> switches, List<Link> links, List<String> externalNetworks) {

    /** kind: "cluster router", "gateway router" or "router"; chassis: where a gateway router runs. */
    public record Router(String name, String kind, String chassis, List<String> networks) {
    }

    /** kind: "node switch", "join switch", "external switch" or "switch"; localnet: its physical network. */
    public record Switch(String name, String kind, String subnet, int pods, String localnet) {
    }

    public record Link(String router, String routerPort, String switchName, List<String> networks) {
    }

    public static Topology of(DatabaseReplica nb) {
        Map<String, String> routerOfPort = new HashMap<>();
        Map<String, LogicalRouterPort> portsByName = new HashMap<>();
        List<Router> routers = new ArrayList<>();
        for (LogicalRouter r : nb.list(LogicalRouter.TABLE)) {
            Set<String> networks = new TreeSet<>();
            for (var u : r.ports()) {
                nb.get(LogicalRouterPort.TABLE, u).ifPresent(p -> {
                    routerOfPort.put(p.name(), r.name());
                    portsByName.put(p.name(), p);
                    networks.addAll(p.networks());
                });
            }
            String kind = r.name().equals(Names.CLUSTER_ROUTER) ? "cluster router"
                    : r.name().startsWith(Names.gatewayRouter("")) ? "gateway router" : "router";
            routers.add(new Router(r.name(), kind, r.options().getOrDefault("chassis", ""), List.copyOf(networks)));
        }
        List<Switch> switches = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        Set<String> externals = new TreeSet<>();
        for (LogicalSwitch sw : nb.list(LogicalSwitch.TABLE)) {
            int pods = 0;
            String localnet = "";
            for (var u : sw.ports()) {
                LogicalSwitchPort p = nb.get(LogicalSwitchPort.TABLE, u).orElse(null);
                if (p == null) {
                    continue;
                }
                if (Owners.TYPE_POD.equals(p.externalIds().get(Owners.OWNER_TYPE))) {
                    pods++;
                } else if (p.type().equals("localnet")) {
                    localnet = p.options().getOrDefault("network_name", "");
                    externals.add(localnet);
                } else if (p.type().equals("router")) {
                    String rp = p.options().getOrDefault("router-port", "");
                    String router = routerOfPort.get(rp);
                    if (router != null) {
                        links.add(new Link(router, rp, sw.name(), List.copyOf(new TreeSet<>(portsByName.get(rp).networks()))));
                    }
                }
            }
            String kind = sw.name().equals(Names.JOIN_SWITCH) ? "join switch"
                    : sw.name().startsWith(Names.externalSwitch("")) ? "external switch"
                    : Owners.TYPE_NODE.equals(sw.externalIds().get(Owners.OWNER_TYPE)) ? "node switch" : "switch";
            switches.add(new Switch(sw.name(), kind, sw.otherConfig().getOrDefault("subnet", ""), pods, localnet));
        }
        routers.sort(Comparator.comparing(Router::name));
        switches.sort(Comparator.comparing(Switch::name));
        links.sort(Comparator.comparing(Link::router).thenComparing(Link::switchName));
        return new Topology(routers, switches, links, List.copyOf(externals));
    }

    /** Graphviz dot: routers as boxes, switches as ellipses labelled with subnet and pods, localnet networks. */
    public String dot() {
        StringBuilder b = new StringBuilder("graph kovn {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
        for (Router r : routers) {
            b.append("  ").append(id(r.name())).append(" [shape=box, style=filled, fillcolor=\"")
                    .append(r.kind().equals("cluster router") ? "#9ecae1" : "#fdd0a2").append("\", label=\"")
                    .append(esc(r.name())).append("\\n").append(esc(r.kind()))
                    .append(r.chassis().isEmpty() ? "" : "\\non " + esc(r.chassis())).append("\"];\n");
        }
        for (Switch s : switches) {
            b.append("  ").append(id(s.name())).append(" [shape=ellipse, label=\"").append(esc(s.name())).append("\\n")
                    .append(esc(s.kind()));
            if (!s.subnet().isEmpty()) {
                b.append("\\n").append(esc(s.subnet()));
            }
            if (s.kind().equals("node switch")) {
                b.append("\\n").append(s.pods()).append(s.pods() == 1 ? " pod" : " pods");
            }
            b.append("\"];\n");
            if (!s.localnet().isEmpty()) {
                b.append("  ").append(id(s.name())).append(" -- ").append(id("net:" + s.localnet())).append(";\n");
            }
        }
        for (String n : externalNetworks) {
            b.append("  ").append(id("net:" + n)).append(" [shape=note, label=\"external network\\n")
                    .append(esc(n)).append("\"];\n");
        }
        for (Link l : links) {
            b.append("  ").append(id(l.router())).append(" -- ").append(id(l.switchName())).append(" [label=\"")
                    .append(esc(String.join(",", l.networks()))).append("\", fontsize=8];\n");
        }
        return b.append("}\n").toString();
    }

    private static String id(String name) {
        return "\"" + esc(name) + "\"";
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}

package io.kovn.node.cni;

import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ADD result in the format of the requested spec version (0.3.1 and 0.4.0 give each IP a "version"; 1.0.0
 * does not). Chained after another plugin, the previous result's interfaces, IPs and routes come first and
 * ours are appended, with interface indexes shifted accordingly.
 */
final class CniResult {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CniResult() {
    }

    /** The host end of the veth, then the pod's interface (inside {@code sandbox}). */
    static ObjectNode of(String cniVersion, JsonNode prevResult, String hostIf, String hostMac, String podIf,
                         String podMac, Path sandbox, PodNetwork net) {
        boolean withVersion = "0.3.1".equals(cniVersion) || "0.4.0".equals(cniVersion);
        ObjectNode r = NODES.objectNode().put("cniVersion", cniVersion);
        ArrayNode interfaces = r.putArray("interfaces");
        ArrayNode ips = r.putArray("ips");
        ArrayNode routes = r.putArray("routes");
        if (prevResult != null) {
            prevResult.path("interfaces").forEach(i -> interfaces.add(i.deepCopy()));
            prevResult.path("ips").forEach(ip -> ips.add(ipEntry((ObjectNode) ip.deepCopy(), withVersion)));
            prevResult.path("routes").forEach(rt -> routes.add(rt.deepCopy()));
        }
        interfaces.addObject().put("name", hostIf).put("mac", hostMac);
        int podIndex = interfaces.size();
        interfaces.addObject().put("name", podIf).put("mac", podMac).put("sandbox", sandbox.toString());
        String gw = net.gatewayIp() == null ? null : net.gatewayIp().toString();
        for (Ipv4InterfaceAddress address : net.ipAddresses()) {
            ObjectNode ip = NODES.objectNode().put("address", address.toString());
            if (gw != null) {
                ip.put("gateway", gw);
            }
            ip.put("interface", podIndex);
            ips.add(ipEntry(ip, withVersion));
        }
        if (gw != null) {
            routes.addObject().put("dst", "0.0.0.0/0").put("gw", gw);
        }
        if (prevResult != null && prevResult.has("dns")) {
            r.set("dns", prevResult.get("dns").deepCopy());
        }
        return r;
    }

    private static ObjectNode ipEntry(ObjectNode ip, boolean withVersion) {
        if (withVersion) {
            if (!ip.has("version")) {
                ip.put("version", ip.path("address").asString("").contains(":") ? "6" : "4");
            }
        } else {
            ip.remove("version");
        }
        return ip;
    }
}

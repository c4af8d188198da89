package io.kovn.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The underlay sandbox's cloud operator (its CMS) when the cloud runs Neutron: makes the cloud's network objects
 * through the Neutron API, as an OpenStack admin would, and returns their ids. The sandbox trusts its own
 * neutron-server, so answers are read only for the ids it needs, and any non-2xx answer fails the sandbox's start.
 */
final class NeutronCloud {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int POST_ATTEMPTS = 5;
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final URI url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    NeutronCloud(URI url) {
        this.url = url;
    }

    /** A network with one IPv4 subnet (no DHCP); returns {network id, subnet id}. */
    String[] network(String name, String cidr, String gateway, ObjectNode extra) {
        ObjectNode net = NODES.objectNode().put("name", name);
        net.setAll(extra);
        String id = post("networks", "network", net).get("id").asString();
        ObjectNode subnet = NODES.objectNode().put("network_id", id).put("name", name).put("ip_version", 4)
                .put("cidr", cidr).put("enable_dhcp", false);
        if (gateway == null) {
            subnet.putNull("gateway_ip");
        } else {
            subnet.put("gateway_ip", gateway);
        }
        return new String[] {id, post("subnets", "subnet", subnet).get("id").asString()};
    }

    /** A router with an interface on {@code subnet}; returns its id. */
    String router(String name, String subnet) {
        String id = post("routers", "router", NODES.objectNode().put("name", name)).get("id").asString();
        send("PUT", "routers/" + id + "/add_router_interface", NODES.objectNode().put("subnet_id", subnet));
        return id;
    }

    /** The router's gateway on an external network at {@code ip}, without SNAT (the pods' own addresses go out). */
    void gateway(String router, String network, String subnet, String ip) {
        ObjectNode info = NODES.objectNode().put("network_id", network).put("enable_snat", false);
        info.putArray("external_fixed_ips").addObject().put("subnet_id", subnet).put("ip_address", ip);
        ObjectNode r = NODES.objectNode();
        r.set("external_gateway_info", info);
        ObjectNode body = NODES.objectNode();
        body.set("router", r);
        send("PUT", "routers/" + router, body);
    }

    /** A VM's port with a fixed MAC and address; returns its id (the NB port name, the VIF's iface-id). */
    String port(String name, String network, String subnet, String mac, String ip) {
        ObjectNode port = NODES.objectNode().put("name", name).put("network_id", network).put("mac_address", mac);
        port.putArray("fixed_ips").addObject().put("subnet_id", subnet).put("ip_address", ip);
        return post("ports", "port", port).get("id").asString();
    }

    /** A security group (a profile the cloud's admin offers) with one ingress rule; returns its id. */
    String securityGroup(String name, String protocol, int port) {
        String id = post("security-groups", "security_group", NODES.objectNode().put("name", name)).get("id").asString();
        post("security-group-rules", "security_group_rule", NODES.objectNode().put("security_group_id", id)
                .put("direction", "ingress").put("ethertype", "IPv4").put("protocol", protocol)
                .put("port_range_min", port).put("port_range_max", port));
        return id;
    }

    /**
     * Creates; on a 5xx looks for the object by its name first, so a create that did happen is not made twice, then
     * tries again 2 s later (5 times in all). neutron-server on sqlite answers "database is locked" now and then under
     * load, and one whose API answers already may not have loaded NB into its worker's replica yet: it refuses a port
     * then ("Port group neutron_pg_drop does not exist", seen in CI for some seconds after the start).
     */
    private JsonNode post(String path, String key, ObjectNode object) {
        ObjectNode body = NODES.objectNode();
        body.set(key, object);
        for (int attempt = 1;; attempt++) {
            try {
                return send("POST", path, body).get(key);
            } catch (ServerError e) {
                if (attempt == POST_ATTEMPTS) {
                    throw e;
                }
                pause(RETRY);
                if (object.has("name")) {
                    JsonNode found = send("GET", path + "?name=" + URLEncoder.encode(object.get("name").asString(), StandardCharsets.UTF_8), null)
                            .get(path.replace('-', '_'));
                    if (found != null && found.size() == 1) {
                        return found.get(0);
                    }
                }
            }
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A 5xx answer. */
    private static final class ServerError extends IllegalStateException {
        ServerError(String message) {
            super(message);
        }
    }

    private JsonNode send(String method, String path, ObjectNode body) {
        HttpRequest request = HttpRequest.newBuilder(url.resolve("/v2.0/" + path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 500) {
                throw new ServerError(method + " " + path + ": Neutron answered " + r.statusCode() + " " + r.body());
            }
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + ": Neutron answered " + r.statusCode() + " "
                        + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

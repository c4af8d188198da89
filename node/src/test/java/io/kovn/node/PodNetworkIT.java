package io.kovn.node;

import static io.kovn.node.LabPods.json;
import static io.kovn.node.LabPods.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.node.lab.CniExec;
import io.kovn.node.lab.NodeLab;
import io.kovn.node.cni.CniInstaller;
import io.kovn.ovn.annotations.PodNetwork;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The agent on a real node (own ovsdb-server, ovs-vswitchd on netdev and ovn-controller in a namespace) with
 * central NB/SB/northd and the mock API; pods are plumbed by running the installed kovn-cni as a runtime does.
 */
class PodNetworkIT extends NodeLabIT {
    @Override
    void configure(NodeAgentConfig.Builder b) {
        b.metricsPort(0);
    }

    @Test
    void twoPodsTalkToEachOtherAndToTheNodeThenDelRemovesEverything() throws Exception {
        PodNetwork n1 = pods.podWithNetwork("web1");
        PodNetwork n2 = pods.podWithNetwork("web2");
        LabPods.Sandbox s1 = pods.sandbox("web1");
        LabPods.Sandbox s2 = pods.sandbox("web2");

        JsonNode r = json(ok(pods.cni("ADD", s1, "1.0.0")));
        assertThat(r.path("cniVersion").asString()).isEqualTo("1.0.0");
        assertThat(r.path("interfaces").get(0).path("name").asString()).isEqualTo(s1.hostVeth());
        assertThat(r.path("interfaces").get(0).has("sandbox")).isFalse();
        assertThat(r.path("interfaces").get(1).path("name").asString()).isEqualTo("eth0");
        assertThat(r.path("interfaces").get(1).path("mac").asString()).isEqualTo(n1.macAddress().toString());
        assertThat(r.path("interfaces").get(1).path("sandbox").asString()).isEqualTo(s1.netns().path().toString());
        assertThat(r.path("ips").get(0).path("address").asString()).isEqualTo(n1.ipAddress().toString());
        assertThat(r.path("ips").get(0).path("gateway").asString()).isEqualTo("10.244.1.1");
        assertThat(r.path("ips").get(0).path("interface").asInt()).isEqualTo(1);
        assertThat(r.path("ips").get(0).has("version")).isFalse();
        assertThat(r.path("routes").get(0).path("dst").asString()).isEqualTo("0.0.0.0/0");
        assertThat(r.path("routes").get(0).path("gw").asString()).isEqualTo("10.244.1.1");

        JsonNode r2 = json(ok(pods.cni("ADD", s2, "0.3.1")));
        assertThat(r2.path("cniVersion").asString()).isEqualTo("0.3.1");
        assertThat(r2.path("ips").get(0).path("version").asString()).isEqualTo("4");

        String eth0 = s1.netns().ip("-o", "link", "show", "eth0");
        assertThat(eth0).contains("mtu 1400", n1.macAddress().toString());
        assertThat(s1.netns().exec("ethtool", "-k", "eth0").out()).contains("tx-checksumming: off");
        assertThat(s1.netns().ip("route")).contains("default via 10.244.1.1 dev eth0");
        assertThat(lab.node().vsctl("get", "interface", s1.hostVeth(), "external_ids"))
                .contains("iface-id=default_web1", "iface-id-ver=", "sandbox=c0ffee-web1", "ovn-installed=\"true\"");

        s1.netns().exec("ping", "-c", "2", "-i", "0.2", "-W", "2", n2.ip());
        LabPods.tcp(s2.netns(), s1.netns(), n2.ip(), 8080);
        // the node reaches its pods through the management port
        lab.node().netns().exec("ping", "-c", "2", "-i", "0.2", "-W", "2", n1.ip());
        LabPods.tcp(s1.netns(), lab.node().netns(), n1.ip(), 8081);

        ok(pods.cni("DEL", s1, "1.0.0"));
        ok(pods.cni("DEL", s2, "0.3.1"));
        pods.assertGone(s1);
        java.net.http.HttpResponse<String> scrape = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + lab.agent().metricsPort()
                        + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).containsPattern("kovn_cni_request_seconds_count\\{command=\"ADD\",result=\"ok\",?\\} [1-9]")
                .containsPattern("kovn_cni_request_seconds_count\\{command=\"DEL\",result=\"ok\",?\\} [1-9]");
        pods.assertGone(s2);
        assertThat(pods.cni("DEL", s1, "1.0.0").exitCode()).as("DEL is idempotent").isZero();
    }

    @Test
    void cni110StatusSaysReadyAndGcRemovesOnlyAttachmentsTheRuntimeNoLongerHas() throws Exception {
        LabPods.Sandbox any = pods.sandbox("status-probe");
        CniExec.Outcome status = ok(pods.cni("STATUS", any, "1.1.0"));
        assertThat(status.stdout()).isEmpty();

        PodNetwork n1 = pods.podWithNetwork("gc1");
        pods.podWithNetwork("gc2");
        LabPods.Sandbox s1 = pods.sandbox("gc1");
        LabPods.Sandbox s2 = pods.sandbox("gc2");
        JsonNode r = json(ok(pods.cni("ADD", s1, "1.1.0")));
        assertThat(r.path("cniVersion").asString()).isEqualTo("1.1.0");
        assertThat(r.path("ips").get(0).has("version")).isFalse();
        ok(pods.cni("ADD", s2, "1.1.0"));
        assertThat(lab.node().vsctl("get", "interface", s1.hostVeth(), "external_ids")).contains("\"kovn.io/network\"=kovn");

        String valid = "\"cni.dev/valid-attachments\":[{\"containerID\":\"" + s1.containerId() + "\",\"ifname\":\"eth0\"}]";
        // another network's GC leaves kovn's attachments alone
        String other = lab.pluginConfig("1.1.0").replace("\"name\":\"kovn\"", "\"name\":\"other\"");
        ok(pods.cniWithConfig("GC", any, other.substring(0, other.length() - 1) + "," + valid + "}"));
        assertThat(pods.ovsInterfaces()).contains(s1.hostVeth(), s2.hostVeth());

        ok(pods.cni("GC", any, "1.1.0", valid));
        pods.assertGone(s2);
        assertThat(pods.ovsInterfaces()).contains(s1.hostVeth());
        lab.node().netns().exec("ping", "-c", "1", "-W", "2", n1.ip());

        ok(pods.cni("DEL", s1, "1.1.0"));
        pods.assertGone(s1);
    }

    @Test
    void checkPassesOnAHealthyPodAndFailsOnceItsAddressIsGone() {
        pods.podWithNetwork("chk");
        LabPods.Sandbox s = pods.sandbox("chk");
        String add = ok(pods.cni("ADD", s, "1.0.0")).stdout();
        ok(pods.cni("CHECK", s, "1.0.0", "\"prevResult\":" + add));
        String address = json(pods.cni("ADD", s, "1.0.0")).path("ips").path(0).path("address").asString("");
        assertThat(address).as("a repeated ADD of the same container replaces its interface").isNotEmpty();
        s.netns().ip("addr", "flush", "dev", "eth0");
        var broken = pods.cni("CHECK", s, "1.0.0", "\"prevResult\":" + add);
        assertThat(LabPods.code(broken)).isEqualTo(100);
        assertThat(json(broken).path("msg").asString()).contains("lacks address");
        ok(pods.cni("DEL", s, "1.0.0"));
        pods.assertGone(s);
    }

    @Test
    void aLinkLeftOnTheNodeUnderTheHostVethsNameIsReplaced() {
        PodNetwork n = pods.podWithNetwork("left");
        LabPods.Sandbox s = pods.sandbox("left");
        // a pair of an earlier try whose pod end went with its sandbox: making the pair fails on the name, and the ADD
        // deletes the leftover and makes it again
        lab.node().netns().ip("link", "add", s.hostVeth(), "type", "veth", "peer", "name", "leftover0");
        ok(pods.cni("ADD", s, "1.0.0"));
        assertThat(lab.node().netns().ip("-o", "link", "show", s.hostVeth())).contains("link-netns");
        assertThat(lab.node().netns().run(List.of("ip", "link", "show", "leftover0")).ok()).isFalse();
        assertThat(s.netns().ip("-o", "link")).doesNotContain(s.hostVeth()).contains("eth0@");
        assertThat(s.netns().ip("-o", "addr", "show", "dev", "eth0")).contains(n.ipAddress().toString());
        assertThat(lab.node().vsctl("get", "interface", s.hostVeth(), "external_ids"))
                .contains("ovn-installed=\"true\"");
        ok(pods.cni("DEL", s, "1.0.0"));
        pods.assertGone(s);
    }

    @Test
    void theNodeIsSetUpForOvnControllerAndTheRuntime() throws Exception {
        String ids = lab.node().vsctl("get", "open_vswitch", ".", "external_ids");
        String systemId = Files.readString(lab.config().systemIdFile()).trim();
        assertThat(ids).contains("system-id=\"" + systemId + "\"", "ovn-encap-type=geneve",
                "ovn-encap-ip=\"127.0.0.1\"", "ovn-bridge-datapath-type=netdev", "hostname=node1",
                "ovn-remote=\"" + lab.central().sbUnix() + "\"");
        assertThat(lab.node().vsctl("get", "bridge", "br-int", "datapath_type")).isEqualTo("netdev");
        assertThat(lab.central().sbctl("--bare", "--columns=name", "list", "chassis")).contains(systemId);

        assertThat(lab.node().netns().ip("-o", "-4", "addr", "show", "dev", "ovn-k8s-mp0")).contains("10.244.1.2/24");
        String routes = lab.node().netns().ip("route");
        assertThat(routes).contains("10.244.0.0/16 via 10.244.1.1 dev ovn-k8s-mp0",
                "10.96.0.0/16 via 10.244.1.1 dev ovn-k8s-mp0");
        assertThat(lab.node().vsctl("get", "interface", "ovn-k8s-mp0", "external_ids")).contains("iface-id=k8s-node1");

        String conflist = Files.readString(lab.config().cniConfDir().resolve(CniInstaller.CONFLIST));
        JsonNode conf = LabPods.JSON.readTree(conflist);
        assertThat(conf.path("cniVersion").asString()).isEqualTo("1.0.0");
        assertThat(conf.path("plugins").get(0).path("type").asString()).isEqualTo("kovn-cni");
        assertThat(conf.path("plugins").get(0).path("serverSocket").asString())
                .isEqualTo(lab.config().cniSocket().toString());
        assertThat(Files.isExecutable(lab.config().cniBinDir().resolve("kovn-cni"))).isTrue();
        assertThat(Files.exists(lab.config().cniBinDir().resolve("kovn-cni.jsa"))).isTrue();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(lab.config().cniSocket())))
                .isEqualTo("rw-------");
    }

    @Test
    void theCheckedOutPluginWorksAsWell() {
        pods.podWithNetwork("repo");
        LabPods.Sandbox s = pods.sandbox("repo");
        var plugin = new io.kovn.node.lab.CniExec(NodeLab.checkoutRoot().resolve("bin/kovn-cni"));
        var env = plugin.env("ADD", s.containerId(), s.netns().path(), "eth0", "default", "repo");
        JsonNode r = json(ok(plugin.run(env, lab.pluginConfig("0.4.0"))));
        assertThat(r.path("ips").get(0).path("version").asString()).isEqualTo("4");
        env.put("CNI_COMMAND", "DEL");
        ok(plugin.run(env, lab.pluginConfig("0.4.0")));
        pods.assertGone(s);
        env.put("CNI_COMMAND", "VERSION");
        assertThat(json(ok(plugin.run(env, "{\"cniVersion\":\"1.0.0\"}"))).path("supportedVersions").toString())
                .isEqualTo("[\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]");
    }

    /** Reference plugins of the same conflist run where the runtime runs plugins: on the node. */
    private io.kovn.node.lab.CniExec onNode(String plugin) {
        java.nio.file.Path p = java.nio.file.Path.of("/usr/lib/cni", plugin);
        return new io.kovn.node.lab.CniExec(p, lab.node().netns().inside(java.util.List.of(p.toString())));
    }

    @Test
    void chainsBeforeTheReferencePortmapAndBandwidthPlugins() {
        PodNetwork net = pods.podWithNetwork("chain");
        LabPods.Sandbox s = pods.sandbox("chain");
        String ours = ok(pods.cni("ADD", s, "1.0.0")).stdout();
        String portmapConf = "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"portmap\","
                + "\"capabilities\":{\"portMappings\":true},\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":30080,"
                + "\"containerPort\":80,\"protocol\":\"tcp\"}]},\"prevResult\":" + ours + "}";
        var portmap = onNode("portmap");
        var env = portmap.env("ADD", s.containerId(), s.netns().path(), "eth0", "default", "chain");
        String afterPortmap = ok(portmap.run(env, portmapConf)).stdout();
        assertThat(json(ok(portmap.run(env, portmapConf))).path("ips").get(0).path("address").asString())
                .isEqualTo(net.ipAddress().toString());
        assertThat(lab.node().netns().exec("iptables-save", "-t", "nat").out()).contains("30080");

        String bandwidthConf = "{\"cniVersion\":\"1.0.0\",\"name\":\"kovn\",\"type\":\"bandwidth\","
                + "\"capabilities\":{\"bandwidth\":true},\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":8000000,"
                + "\"ingressBurst\":800000}},\"prevResult\":" + afterPortmap + "}";
        var bandwidth = onNode("bandwidth");
        ok(bandwidth.run(env, bandwidthConf));
        // bandwidth shapes traffic into the pod on the host end, which it finds in our result
        assertThat(lab.node().netns().ip("-o", "link", "show", s.hostVeth())).isNotEmpty();
        assertThat(lab.node().netns().exec("tc", "qdisc", "show", "dev", s.hostVeth()).out()).contains("tbf");
        s.netns().exec("ping", "-c", "1", "-W", "2", "10.244.1.2");

        env.put("CNI_COMMAND", "DEL");
        ok(bandwidth.run(env, bandwidthConf));
        ok(portmap.run(env, portmapConf));
        ok(pods.cni("DEL", s, "1.0.0"));
        pods.assertGone(s);
        assertThat(lab.node().netns().exec("iptables-save", "-t", "nat").out()).doesNotContain("30080");
    }
}

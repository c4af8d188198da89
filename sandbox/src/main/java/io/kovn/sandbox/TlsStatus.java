package io.kovn.sandbox;

import io.kovn.node.pki.NodeCertificateEnroller;
import io.kovn.pki.Pem;
import io.kovn.pki.PkiDirectory;
import io.kovn.sandbox.state.SandboxState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The connections part of {@code kovn sandbox status}: for every OVSDB connection, who connects to what, over which
 * protocol, and, over TLS, with which certificate until when; and the central listeners. Read from the state
 * directory: the sandbox PKI ({@code pki/}), each node's enrolled files, ovn-controller's connection status and
 * the SB Connection table.
 */
final class TlsStatus {
    private TlsStatus() {
    }

    /** Adds {@code connections} (and {@code tls}) to {@code r}; a TLS connection whose certificate expired is unhealthy. */
    static void report(SandboxState s, ObjectNode r, List<String> unhealthy, boolean running) {
        Path pkiDir = Path.of(s.stateDir()).resolve("pki");
        boolean tls = Files.isDirectory(pkiDir);
        r.put("tls", tls);
        ArrayNode listeners = r.putArray("listeners");
        if (s.central() != null) {
            for (String nb : s.central().nbAddress().split(",")) {
                listeners.addObject().put("db", "NB").put("listener", "p" + nb);
            }
            String sbConnections = running ? Tools.tryRun("ovn-sbctl", "--db=" + s.central().sbUnix(), "get-connection") : null;
            if (sbConnections != null && !sbConnections.isBlank()) {
                sbConnections.lines().forEach(l -> listeners.addObject().put("db", "SB").put("listener", l.trim()));
            } else {
                for (String sb : s.central().sbAddress().split(",")) {
                    listeners.addObject().put("db", "SB").put("listener", "p" + sb);
                }
            }
        }
        ArrayNode conns = r.putArray("connections");
        if (s.central() == null) {
            return;
        }
        String sbProtocol = protocol(s.central().sbAddress());
        for (SandboxState.NodeState n : s.nodes()) {
            ObjectNode c = conns.addObject().put("from", "ovn-controller " + n.name()).put("to", "SB")
                    .put("protocol", sbProtocol).put("remote", s.central().sbAddress());
            if (tls && n.pkiDir() != null) {
                certificate(c, Path.of(n.pkiDir()).resolve(NodeCertificateEnroller.CERT_FILE), unhealthy);
            }
            String status = running ? connectionStatus(n) : null;
            c.put("status", status == null ? "unknown" : status);
            // a host process reaches SB over its unix sockets; in a container (--image) over the network
            String agentSb = n.agentSb() == null ? s.central().sbUnix() : n.agentSb();
            ObjectNode agent = conns.addObject().put("from", "agent " + n.name()).put("to", "SB")
                    .put("protocol", protocol(agentSb)).put("remote", agentSb);
            if (tls && n.pkiDir() != null && protocol(agentSb).equals("ssl")) {
                certificate(agent, Path.of(n.pkiDir()).resolve(NodeCertificateEnroller.CERT_FILE), unhealthy);
            }
        }
        conns.addObject().put("from", "kovn controller").put("to", "NB").put("protocol", "unix")
                .put("remote", s.central().nbUnix());
        String northdNb = s.ha() ? protocol(s.central().nbAddress()) : "unix";
        ObjectNode northd = conns.addObject().put("from", "ovn-northd").put("to", "NB").put("protocol", northdNb);
        if (tls && !northdNb.equals("unix")) {
            certificate(northd, PkiDirectory.certFile(pkiDir, "ovn-northd"), unhealthy);
        }
        conns.addObject().put("from", "ovn-northd").put("to", "SB")
                .put("protocol", s.ha() && !tls ? protocol(s.central().sbAddress()) : "unix");
        if (tls) {
            for (String server : List.of("ovn-nb", "ovn-sb")) {
                certificate(conns.addObject().put("from", "clients").put("to", server.substring(4).toUpperCase() + " server")
                        .put("protocol", "ssl"), PkiDirectory.certFile(pkiDir, server), unhealthy);
            }
        }
    }

    /** What ovn-controller says of its SB connection ({@code connected}, {@code not connected}), or null. */
    private static String connectionStatus(SandboxState.NodeState n) {
        try {
            // the socket its pid file names, not ovn-appctl's lookup: that deletes the pid file of an ovn-controller
            // in a container (--image) as stale, its pid being another pid namespace's
            String pid = Files.readString(Path.of(n.ovsDir(), "ovn-controller.pid")).trim();
            Path socket = Path.of(n.ovsDir(), "ovn-controller." + pid + ".ctl");
            return Tools.run(Map.of(), "ovs-appctl", "-t", socket.toString(), "connection-status");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String protocol(String remotes) {
        return remotes.substring(0, remotes.indexOf(':'));
    }

    private static void certificate(ObjectNode c, Path file, List<String> unhealthy) {
        try {
            if (!Files.exists(file)) {
                c.put("certificate", "none yet");
                return;
            }
            X509Certificate cert = Pem.readCertificates(file).get(0);
            Instant notAfter = cert.getNotAfter().toInstant();
            c.put("certificate", cert.getSubjectX500Principal().getName()).put("expires", notAfter.toString());
            if (notAfter.isBefore(Instant.now())) {
                unhealthy.add("the certificate of " + c.path("from").asString("") + " (" + file + ") expired " + notAfter);
            }
        } catch (IOException | IllegalArgumentException e) {
            c.put("certificate", "unreadable: " + e.getMessage());
        }
    }

    /** The human-readable form: the listeners on one line, then a table of connections. */
    static void text(JsonNode r, StringBuilder b) {
        if (!r.has("connections")) {
            return;
        }
        StringBuilder l = new StringBuilder();
        r.path("listeners").forEach(x -> l.append(l.length() == 0 ? "" : ", ").append(x.path("db").asString(""))
                .append(" ").append(x.path("listener").asString("")));
        b.append("OVSDB listeners ").append(l).append(r.path("tls").asBoolean()
                ? "  (--tls: no plain tcp listener)" : "").append('\n');
        Table t = new Table("FROM", "TO", "PROTOCOL", "CERTIFICATE", "EXPIRES", "STATUS");
        for (JsonNode c : r.path("connections")) {
            t.row(c.path("from").asString(""), c.path("to").asString(""), c.path("protocol").asString(""),
                    c.path("certificate").asString("-"), c.path("expires").asString("-"), c.path("status").asString("-"));
        }
        b.append(t).append('\n');
    }
}

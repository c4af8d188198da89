package io.kovn.sandbox;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.state.SandboxState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The part of {@code kovn sandbox status} an {@code --ha} sandbox adds: each NB and SB member's role, term and
 * log index (asked live through its control socket, {@code cluster/status}), which ovn-northd is active (its
 * {@code status} command), and which controller holds the Lease and whether each one's /healthz is OK (and if not,
 * what it says: a lost NB quorum is named there).
 */
final class HaStatus {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HaStatus() {
    }

    static void report(SandboxState s, boolean running, ObjectNode r, List<String> unhealthy) {
        ObjectNode dbs = r.putObject("databases");
        for (OvnDb db : OvnDb.values()) {
            var members = dbs.putArray(db.prefix());
            boolean leader = false;
            for (SandboxState.DbMemberState m : s.dbMembers()) {
                if (!m.db().equals(db.prefix())) {
                    continue;
                }
                boolean alive = m.process() != null && m.process().alive();
                ObjectNode o = members.addObject().put("member", m.member()).put("label", m.label())
                        .put("netns", m.netns()).put("remote", m.remote()).put("raft", m.raft()).put("unix", m.unix())
                        .put("pid", m.process() == null ? -1 : m.process().pid()).put("alive", alive);
                Optional<MemberStatus> st = alive ? MemberStatus.query(Path.of(m.ctl()), db) : Optional.empty();
                if (st.isPresent()) {
                    o.put("role", st.get().role()).put("term", st.get().term()).put("index", st.get().index())
                            .put("clusterMember", st.get().clusterMember());
                    leader |= st.get().leader();
                } else {
                    o.put("role", alive ? "not answering" : "down");
                    if (running) {
                        unhealthy.add(db.dbName() + " " + m.label() + " is " + (alive ? "not answering" : "not running"));
                    }
                }
            }
            dbs.put(db.prefix() + "Leader", leader);
            if (running && !leader) {
                unhealthy.add(db.dbName() + " has no leader (quorum lost, or an election going on)");
            }
        }
        var northds = r.putArray("northds");
        boolean active = false;
        for (SandboxState.NorthdState n : s.northds()) {
            boolean alive = n.process() != null && n.process().alive();
            String status = alive ? CentralOvn.northdStatus(Path.of(n.ctl())) : "down";
            active |= status.equals("active");
            northds.addObject().put("label", n.label()).put("netns", n.netns())
                    .put("pid", n.process() == null ? -1 : n.process().pid()).put("alive", alive)
                    .put("status", status.isEmpty() ? "not answering" : status);
        }
        if (running && !active) {
            unhealthy.add("no ovn-northd is active");
        }
        Optional<String> holder = running && s.ready() ? leaseHolder(s) : Optional.empty();
        var controllers = r.putArray("controllers");
        for (SandboxState.ControllerState c : s.controllers()) {
            boolean alive = c.process() != null && c.process().alive();
            String health = alive ? healthz(c.metricsPort()) : "not running";
            ObjectNode o = controllers.addObject().put("label", c.label()).put("identity", c.identity())
                    .put("pid", c.process() == null ? -1 : c.process().pid()).put("alive", alive)
                    .put("leader", holder.isPresent() && holder.get().equals(c.identity()))
                    .put("metricsPort", c.metricsPort()).put("healthz", health.isEmpty() ? "ok" : health);
            SandboxStatus.command(o, c.process());
            if (!health.isEmpty()) {
                unhealthy.add(c.label() + ": " + health);
            }
        }
        r.put("leaseHolder", holder.orElse(null));
        if (running && s.ready() && s.controllers().stream().noneMatch(c -> holder.isPresent()
                && c.identity().equals(holder.get()) && c.process() != null && c.process().alive())) {
            unhealthy.add("no running controller holds the Lease " + SandboxController.LEASE_NAMESPACE + "/"
                    + SandboxController.LEASE_NAME + (holder.map(h -> " (held by " + h + ")").orElse("")));
        }
    }

    private static Optional<String> leaseHolder(SandboxState s) {
        try (KubernetesClient client = SandboxClient.client(s)) {
            Lease l = client.leases().inNamespace(SandboxController.LEASE_NAMESPACE)
                    .withName(SandboxController.LEASE_NAME).get();
            return Optional.ofNullable(l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** "" when the controller's /healthz answers 200; otherwise what it says (or why it does not answer). */
    static String healthz(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return "";
            }
            String body = r.body().strip();
            return "/healthz " + r.statusCode() + (body.isEmpty() ? "" : ": "
                    + (body.length() > 300 ? body.substring(0, 300) + "..." : body).replace('\n', ' '));
        } catch (IOException e) {
            return "/healthz does not answer: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    static void text(JsonNode r, StringBuilder b) {
        for (OvnDb db : OvnDb.values()) {
            b.append(db.dbName()).append(" (RAFT, 3 members)\n");
            Table t = new Table("MEMBER", "ROLE", "TERM", "INDEX", "PID", "REMOTE", "RAFT", "NETNS");
            for (JsonNode m : r.path("databases").path(db.prefix())) {
                t.row(m.path("label").asString(""), m.path("role").asString(""),
                        m.has("term") ? m.path("term").asLong() : "-", m.has("index") ? m.path("index").asLong() : "-",
                        (m.path("alive").asBoolean() ? "" : "DOWN ") + m.path("pid").asLong(),
                        m.path("remote").asString(""), m.path("raft").asString(""), m.path("netns").asString(""));
            }
            b.append(t).append('\n');
        }
        Table n = new Table("NORTHD", "STATUS", "PID", "NETNS");
        for (JsonNode x : r.path("northds")) {
            n.row(x.path("label").asString(""), x.path("status").asString(""),
                    (x.path("alive").asBoolean() ? "" : "DOWN ") + x.path("pid").asLong(), x.path("netns").asString(""));
        }
        b.append(n).append('\n');
        Table c = new Table("CONTROLLER", "LEASE", "HEALTHZ", "PID", "COMMAND");
        for (JsonNode x : r.path("controllers")) {
            c.row(x.path("label").asString(""), x.path("leader").asBoolean() ? "holder" : "standby",
                    x.path("healthz").asString(""), (x.path("alive").asBoolean() ? "" : "DOWN ") + x.path("pid").asLong(),
                    SandboxStatus.shortCommand(x.path("command")));
        }
        b.append(c).append('\n');
    }
}

package io.kovn.sandbox;

import io.kovn.testing.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A clustered database member's view of its cluster, as {@code ovs-appctl cluster/status} prints it: its role
 * (leader, follower, candidate), the RAFT term, whether it is a member in good standing, and the index of the
 * last log entry ({@code Log: [first, next)}, the same number as the {@code index} column of its {@code _Server}
 * Database row).
 */
public record MemberStatus(String role, long term, long index, boolean clusterMember) {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern ROLE = Pattern.compile("(?m)^Role: (\\S+)");
    private static final Pattern TERM = Pattern.compile("(?m)^Term: (\\d+)");
    private static final Pattern LOG = Pattern.compile("(?m)^Log: \\[(\\d+), (\\d+)\\]");

    /** Asks the member through its control socket; empty if it does not answer (stopped, killed, hung). */
    public static Optional<MemberStatus> query(Path ctl, OvnDb db) {
        Exec.Result r = Exec.run(List.of(Tools.bin("ovs-appctl"), "--timeout=" + TIMEOUT.toSeconds(), "-t",
                ctl.toString(), "cluster/status", db.dbName()), Map.of(), null, TIMEOUT.plusSeconds(1));
        return r.ok() ? Optional.of(parse(r.out())) : Optional.empty();
    }

    static MemberStatus parse(String out) {
        Matcher role = ROLE.matcher(out);
        Matcher term = TERM.matcher(out);
        Matcher log = LOG.matcher(out);
        return new MemberStatus(role.find() ? role.group(1) : "unknown", term.find() ? Long.parseLong(term.group(1)) : 0,
                log.find() ? Long.parseLong(log.group(2)) - 1 : 0, out.contains("Status: cluster member"));
    }

    public boolean leader() {
        return role.equals("leader");
    }
}

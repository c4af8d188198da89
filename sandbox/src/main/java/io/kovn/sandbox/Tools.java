package io.kovn.sandbox;

import io.kovn.testing.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The OVS/OVN and iproute2 programs the sandbox runs. */
public final class Tools {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Tools() {
    }

    /** Absolute path of a program on PATH or in /usr/sbin (where ovsdb-server lives). */
    public static String bin(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin";
        for (String p : path.split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, name))) {
                return Path.of(p, name).toString();
            }
        }
        throw new IllegalStateException(name + " not found: install the Debian packages openvswitch-switch, "
                + "ovn-central, ovn-host, iproute2 and ethtool (scripts/install-deps.sh does it)");
    }

    /** Runs {@code tool args...}; returns trimmed stdout, throws with stderr on failure. */
    public static String run(String tool, String... args) {
        return run(Map.of(), tool, args);
    }

    public static String run(Map<String, String> env, String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin(tool));
        cmd.addAll(Arrays.asList(args));
        return Exec.run(cmd, env, null, TIMEOUT).check().out();
    }

    /** Like {@link #run} but returns null instead of throwing. */
    public static String tryRun(String tool, String... args) {
        try {
            return run(tool, args);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Checks that everything the sandbox runs is installed and that this is root; a message per problem. */
    public static List<String> problems() {
        List<String> out = new ArrayList<>();
        for (String b : List.of("ip", "nsenter", "ethtool", "ovsdb-server", "ovsdb-tool", "ovs-vswitchd", "ovs-vsctl",
                "ovs-appctl", "ovn-northd", "ovn-controller", "ovn-nbctl", "ovn-sbctl", "ovn-appctl", "ping", "setsid")) {
            try {
                bin(b);
            } catch (IllegalStateException e) {
                out.add(b + " is not installed");
            }
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            out.add("network namespaces need root: run as root");
        }
        return out;
    }

    /** Thread.sleep that turns an interruption into an exception, keeping the interrupt flag. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

package io.kovn.sandbox;

import io.kovn.sandbox.image.PodmanLauncher;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.state.SandboxState;
import io.kovn.testing.Exec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kovn sandbox down}: stops a sandbox from its state, whether its supervisor is alive (asked to stop,
 * which tears everything down in order) or not (after a crash or a killed {@code up}). Then, whatever is left
 * and recorded as the sandbox's own: processes by pid and start time, network namespaces by name (with the
 * processes inside them, which only the sandbox could have started) and directories. Idempotent.
 */
public final class SandboxDown {
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private SandboxDown() {
    }

    /** Returns 0; prints what it did. */
    public static int down(Path stateDir, PrintStream out) {
        Path dir = stateDir.toAbsolutePath();
        Optional<SandboxState> state;
        try {
            state = SandboxState.read(dir);
        } catch (IllegalStateException e) {
            out.println("the state is unreadable (" + e.getMessage() + "): removing what can be found");
            state = Optional.empty();
        }
        Optional<ProcessRef> supervisor = SandboxUp.supervisor(dir);
        if (state.isEmpty() && supervisor.isEmpty()) {
            if (Files.isDirectory(dir)) {
                SandboxFiles.removeStateDir(dir);
            }
            out.println("no sandbox in " + dir);
            return 0;
        }
        if (supervisor.isPresent() && supervisor.get().alive()) {
            out.println("stopping the sandbox supervisor (pid " + supervisor.get().pid() + ")");
            supervisor.get().stop(Duration.ofSeconds(60));
        }
        int stopped = 0;
        if (state.isPresent()) {
            List<ProcessRef> left = processes(state.get()).stream().filter(ProcessRef::alive).toList();
            ProcessRef.stopAll(left, Duration.ofSeconds(3));
            stopped = left.size();
        }
        if (stopped > 0) {
            out.println("stopped " + stopped + " leftover processes");
        }
        int removed = 0;
        Set<String> namespaces = namespaces(state, supervisor);
        for (String ns : namespaces) {
            if (Files.exists(NETNS_DIR.resolve(ns))) {
                killInside(ns);
                Exec.run(TIMEOUT, "ip", "netns", "del", ns);
                removed++;
            }
        }
        if (removed > 0) {
            out.println("removed " + removed + " leftover network namespaces");
        }
        Path containersConf = dir.resolve(PodmanLauncher.CONTAINERS_CONF);
        if (Files.exists(containersConf)) {
            // --image: the nodes' containers, named after their namespaces (stopped with them, removed here)
            namespaces.forEach(ns -> PodmanLauncher.removeContainers(ns, containersConf));
        }
        state.ifPresent(s -> s.dirs().stream().map(Path::of)
                .filter(d -> d.getFileName().toString().startsWith("kovn-node-"))
                .forEach(SandboxFiles::deleteTree));
        SandboxFiles.removeStateDir(dir);
        out.println("sandbox in " + dir + " is down");
        return 0;
    }

    private static List<ProcessRef> processes(SandboxState s) {
        List<ProcessRef> all = new ArrayList<>(s.processes());
        s.nodes().stream().filter(n -> n.agent() != null).forEach(n -> all.add(n.agent()));
        if (s.controllers() != null) {
            s.controllers().stream().filter(c -> c.process() != null).forEach(c -> all.add(c.process()));
        }
        return all;
    }

    /**
     * The recorded namespaces, and every namespace named with the supervisor's prefix once that process is gone
     * (pods' namespaces are not recorded one by one); not if another process has taken its pid meanwhile.
     */
    private static Set<String> namespaces(Optional<SandboxState> state, Optional<ProcessRef> supervisor) {
        Set<String> out = new LinkedHashSet<>();
        state.ifPresent(s -> {
            s.nodes().forEach(n -> out.add(n.netns()));
            if (s.central() != null) {
                out.add(s.central().netns());
            }
            if (s.dbMembers() != null) {
                s.dbMembers().forEach(m -> out.add(m.netns()));
            }
            if (s.external() != null) {
                out.add(s.external().netns());
            }
            if (s.underlayNetns() != null) {
                out.add(s.underlayNetns());
            }
            if (s.gatewayNetwork() != null) {
                out.add(s.gatewayNetwork().netns());
            }
        });
        if (supervisor.isPresent() && ProcessHandle.of(supervisor.get().pid()).isEmpty()) {
            String prefix = "kovn-" + supervisor.get().pid() + "-";
            try (DirectoryStream<Path> all = Files.newDirectoryStream(NETNS_DIR, prefix + "*")) {
                all.forEach(p -> out.add(p.getFileName().toString()));
            } catch (IOException e) {
                // no namespaces at all
            }
        }
        return out;
    }

    /** Ends the processes inside a namespace of the sandbox (only the sandbox could start any there). */
    private static void killInside(String ns) {
        Exec.Result r = Exec.run(TIMEOUT, "ip", "netns", "pids", ns);
        if (!r.ok() || r.out().isBlank()) {
            return;
        }
        List<ProcessRef> inside = new ArrayList<>();
        for (String l : r.out().split("\n")) {
            ProcessHandle.of(Long.parseLong(l.trim())).ifPresent(h -> inside.add(ProcessRef.of("in " + ns, h)));
        }
        ProcessRef.stopAll(inside, Duration.ofSeconds(2));
    }
}

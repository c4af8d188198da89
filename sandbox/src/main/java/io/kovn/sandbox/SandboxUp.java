package io.kovn.sandbox;

import io.kovn.sandbox.image.PodmanLauncher;
import io.kovn.sandbox.proc.JavaCommand;
import io.kovn.sandbox.proc.ManagedProcess;
import io.kovn.sandbox.proc.ProcessRef;
import io.kovn.sandbox.state.SandboxState;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code kovn sandbox up}: starts the supervisor ({@link SandboxServe}) in the background, in its own session so
 * that it outlives this command and the terminal, follows its progress and returns once the sandbox is ready
 * (or has failed, in which case what it made is removed).
 */
public final class SandboxUp {
    static final String SUPERVISOR_FILE = "supervisor.json";
    static final String LOCK_FILE = "up.lock";
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /** What to bring up. */
    public record Options(Path stateDir, int nodes, String encap, int apiPort, boolean check, boolean ha, boolean tls,
                          boolean underlay, boolean neutron, String image) {
        /** Overlay mode, this machine's binaries. */
        public Options(Path stateDir, int nodes, String encap, int apiPort, boolean check, boolean ha, boolean tls) {
            this(stateDir, nodes, encap, apiPort, check, ha, tls, false, false, null);
        }
    }

    private SandboxUp() {
    }

    public static int up(Options o, PrintStream out, PrintStream err) {
        List<String> problems = Tools.problems();
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("kovn sandbox: " + p));
            return 1;
        }
        SandboxConfig cfg = SandboxConfig.builder(o.stateDir()).nodes(o.nodes()).encap(o.encap()).apiPort(o.apiPort())
                .checkNetwork(o.check()).ha(o.ha()).tls(o.tls()).underlay(o.underlay()).neutron(o.neutron())
                .image(o.image()).build(); // validates
        String noImage = o.image() == null ? null : PodmanLauncher.missingImage(o.image());
        if (noImage != null) {
            err.println("kovn sandbox: " + noImage);
            return 1;
        }
        Path dir = o.stateDir().toAbsolutePath();
        Optional<ProcessRef> running = supervisor(dir).filter(ProcessRef::alive);
        if (running.isPresent()) {
            Optional<SandboxState> s = SandboxState.read(dir);
            boolean ready = s.map(SandboxState::ready).orElse(false);
            err.println("kovn sandbox: a sandbox is already " + (ready ? "running" : "coming up") + " in " + dir
                    + " (supervisor pid " + running.get().pid() + "): see `kovn sandbox status`, or remove it with "
                    + "`kovn sandbox down`");
            return ready ? 0 : 1;
        }
        if (Files.exists(dir.resolve(SandboxState.FILE)) || Files.exists(dir.resolve(SUPERVISOR_FILE))) {
            out.println("removing the remains of a sandbox that is no longer running");
            SandboxDown.down(dir, out);
        }
        Path lock = dir.resolve(LOCK_FILE);
        try {
            Files.createDirectories(dir.resolve("logs"));
            Files.createFile(lock);
        } catch (FileAlreadyExistsException e) {
            err.println("kovn sandbox: another `kovn sandbox up` is starting a sandbox in " + dir + " (" + lock + ")");
            return 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return launch(o, cfg, dir, out, err);
        } finally {
            try {
                Files.deleteIfExists(lock);
            } catch (IOException e) {
                // harmless
            }
        }
    }

    private static int launch(Options o, SandboxConfig cfg, Path dir, PrintStream out, PrintStream err) {
        out.println(o.underlay() ? "kovn sandbox: underlay mode (the cloud's OVN on two hypervisors, two worker VMs, a "
                + "standalone VM, a physical host" + (o.neutron() ? "; the cloud's network through a real neutron-server" : "")
                + "); state, logs and kubeconfig in " + dir
                : "kovn sandbox: " + o.nodes() + " node" + (o.nodes() == 1 ? "" : "s") + ", " + o.encap()
                + " tunnels" + (o.ha() ? ", HA (NB and SB as 3-member RAFT clusters, two ovn-northd, two controllers)"
                : "") + (o.image() == null ? "" : ", OVS, ovn-controller and node agents from the image " + o.image())
                + "; state, logs and kubeconfig in " + dir);
        Path progress = dir.resolve(SandboxServe.PROGRESS);
        try {
            Files.deleteIfExists(progress);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path logback = SandboxFiles.writeLogback(dir);
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(JavaCommand.of("768m", List.of("-Dlogback.configurationFile=" + logback), SandboxServe.class,
                List.of(SandboxServe.writeConfig(cfg.toBuilder().stateDir(dir).build()).toString())));
        Path log = dir.resolve("logs").resolve("supervisor.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sandbox supervisor", e);
        }
        ProcessRef supervisor = ProcessRef.of("supervisor", p.toHandle());
        writeSupervisor(dir, supervisor);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long offset = 0;
        while (true) {
            String fresh = readFrom(progress, offset);
            offset += fresh.getBytes(StandardCharsets.UTF_8).length;
            for (String line : fresh.lines().toList()) {
                if (line.startsWith(SandboxServe.FAILED)) {
                    err.println("kovn sandbox: failed: " + line.substring(SandboxServe.FAILED.length()).trim());
                    return failed(dir, log, out, err);
                }
                if (line.endsWith(" " + SandboxServe.READY)) {
                    summary(dir, line, out);
                    return 0;
                }
                out.println(line);
            }
            if (!p.isAlive()) {
                err.println("kovn sandbox: the supervisor exited with code " + p.exitValue());
                return failed(dir, log, out, err);
            }
            if (System.nanoTime() > deadline) {
                err.println("kovn sandbox: not ready within " + TIMEOUT.toMinutes() + " min");
                return failed(dir, log, out, err);
            }
            Tools.sleep(100);
        }
    }

    private static int failed(Path dir, Path log, PrintStream out, PrintStream err) {
        err.println("last lines of " + log + ":");
        err.println(ManagedProcess.tail(log, 30));
        err.println("removing what was started (logs are kept in " + dir.resolveSibling(dir.getFileName() + ".failed")
                + ")");
        try {
            Path keep = dir.resolveSibling(dir.getFileName() + ".failed");
            SandboxFiles.deleteTree(keep);
            Files.createDirectories(keep);
            try (var s = Files.list(dir.resolve("logs"))) {
                for (Path f : s.toList()) {
                    Files.copy(f, keep.resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            err.println("(could not keep the logs: " + e.getMessage() + ")");
        }
        SandboxDown.down(dir, out);
        return 1;
    }

    private static void summary(Path dir, String readyLine, PrintStream out) {
        Path kubeconfig = dir.resolve("kubeconfig");
        out.println(readyLine.replace(SandboxServe.READY, "ready"));
        out.println();
        out.println("kovn sandbox is up. The Kubernetes API is an emulation (fabric8's mock server plus stand-ins for");
        out.println("the scheduler, service IPs, EndpointSlices and kubelet); OVN, OVS and kovn are real.");
        out.println("  export KUBECONFIG=" + kubeconfig);
        out.println("  kubectl get nodes; kubectl create --validate=false -f pod.yaml");
        out.println("  bin/kovn sandbox demo | status [--json] | exec POD -- CMD... | kill|restart TARGET | down");
    }

    /** The supervisor of the sandbox in {@code dir}: from the state, or from what {@code up} recorded at launch. */
    static Optional<ProcessRef> supervisor(Path dir) {
        Optional<SandboxState> s;
        try {
            s = SandboxState.read(dir);
        } catch (IllegalStateException e) {
            s = Optional.empty();
        }
        if (s.isPresent() && s.get().supervisor() != null) {
            return Optional.of(s.get().supervisor());
        }
        Path f = dir.resolve(SUPERVISOR_FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(SandboxState.json().readValue(Files.readString(f), ProcessRef.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void writeSupervisor(Path dir, ProcessRef ref) {
        try {
            Files.writeString(dir.resolve(SUPERVISOR_FILE), SandboxState.toJson(ref));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readFrom(Path file, long offset) {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() <= offset) {
                return "";
            }
            f.seek(offset);
            byte[] b = new byte[(int) (f.length() - offset)];
            f.readFully(b);
            String s = new String(b, StandardCharsets.UTF_8);
            int nl = s.lastIndexOf('\n');
            return nl < 0 ? "" : s.substring(0, nl + 1); // whole lines only
        } catch (IOException e) {
            return "";
        }
    }
}

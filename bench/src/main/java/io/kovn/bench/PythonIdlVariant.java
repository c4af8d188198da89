package io.kovn.bench;

import io.kovn.ovsdb.wire.OvsdbJson;
import io.kovn.testing.Exec;
import io.kovn.testing.OvnDaemons;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Baseline B: OVS's own Python IDL (Debian python3-openvswitch) running ovsdb_idl_bench.py, which is kept as a
 * resource and written to a temp file for each run.
 */
final class PythonIdlVariant {
    static final Path NB_SCHEMA = Path.of("/usr/share/ovn/ovn-nb.ovsschema");
    private static final String SCRIPT = "ovsdb_idl_bench.py";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    /** A python3 that can import ovs.db.idl, or why there is none ({@code path} null). */
    record Interpreter(String path, String ovsVersion, String unavailableReason) {
        boolean available() {
            return path != null;
        }
    }

    private PythonIdlVariant() {
    }

    /**
     * The first of $KOVN_BENCH_PYTHON, /usr/bin/python3 (where Debian installs the ovs package) and the python3
     * on PATH (which may be a pyenv or venv interpreter that does not see it) that imports ovs.db.idl.
     */
    static Interpreter find() {
        List<String> candidates = new ArrayList<>();
        String override = System.getenv("KOVN_BENCH_PYTHON");
        if (override != null && !override.isBlank()) {
            candidates.add(override);
        }
        candidates.add("/usr/bin/python3");
        candidates.add("python3");
        List<String> failures = new ArrayList<>();
        for (String py : candidates.stream().distinct().toList()) {
            try {
                Exec.Result r = Exec.run(PROBE_TIMEOUT, py, "-c", "import ovs.db.idl, ovs.version; print(ovs.version.VERSION)");
                if (r.ok()) {
                    return new Interpreter(py, r.out(), null);
                }
                List<String> err = r.stderr().strip().lines().toList();
                failures.add(py + ": " + (err.isEmpty() ? "exit " + r.exitCode() : err.get(err.size() - 1)));
            } catch (Exec.ExecException e) {
                failures.add(py + ": " + e.getMessage());
            }
        }
        return new Interpreter(null, null, "python3-openvswitch is not installed or not importable ("
                + String.join("; ", failures) + "); apt-get install python3-openvswitch");
    }

    /** Runs the script against {@code nb}, which must be empty: creates the switch, then the ports. */
    static Run run(OvnDaemons nb, Interpreter py, int ports, int batch) {
        nb.nbctl("ls-add", BenchPorts.SWITCH);
        Path script = writeScript();
        try {
            Exec.Result r = Exec.run(List.of(py.path(), script.toString(), "--remote", nb.nbUnix(),
                    "--schema", NB_SCHEMA.toString(), "--switch", BenchPorts.SWITCH,
                    "--ports", Integer.toString(ports), "--batch", Integer.toString(batch)), Map.of(), null, RUN_TIMEOUT);
            if (!r.ok()) {
                throw new IllegalStateException("python IDL benchmark exited with " + r.exitCode() + ": "
                        + r.stderr().strip() + " " + r.stdout().strip());
            }
            JsonNode out = OvsdbJson.MAPPER.readTree(r.out());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("processes", 1);
            details.put("connect_ms", out.path("connect_ms").asDouble());
            details.put("python", out.path("python").asString());
            details.put("c_json", out.path("c_json").asBoolean());
            String variant = batch == 1 ? "python-idl-per-port" : "python-idl-batched";
            return new Run(out.path("total_ms").asDouble(), ports, out.path("transactions").asInt(),
                    NbVerifier.verify(nb, variant, ports), details);
        } finally {
            try {
                Files.deleteIfExists(script);
            } catch (IOException e) {
                script.toFile().deleteOnExit();
            }
        }
    }

    private static Path writeScript() {
        try (InputStream in = PythonIdlVariant.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("resource " + SCRIPT + " is missing from the kovn-bench jar");
            }
            Path script = Files.createTempFile("kovn-ovsdb-idl-bench-", ".py");
            Files.write(script, in.readAllBytes());
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + SCRIPT + " to a temp file", e);
        }
    }
}

package io.kovn.bench;

import io.kovn.bench.OvsdbBench.Result;
import io.kovn.bench.OvsdbBench.Variant;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The table and the JSON form of a {@link Result}. */
final class ResultReport {
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    private ResultReport() {
    }

    static void printTable(Result r, PrintStream out) {
        Variant a = r.variant(OvsdbBench.NBCTL_PER_PORT).orElseThrow();
        Map<String, String> v = r.versions();
        out.printf(Locale.ROOT, "kovn bench ovsdb: %d logical switch ports on one switch, batch %d, each variant on a"
                + " fresh NB ovsdb-server%n", r.ports(), r.batch());
        out.printf(Locale.ROOT, "ovsdb-server %s, ovn-nbctl %s, python-ovs %s, java %s, %d CPUs; median of %d runs"
                        + " (baseline A: 1 run); kovn client warmed up on %d throwaway ports first%n%n",
                v.get("ovsdb_server"), v.get("ovn_nbctl"), v.get("python_ovs"), v.get("java"), CPUS,
                OvsdbBench.RUNS, r.warmupPorts());
        out.printf(Locale.ROOT, "%-24s %11s %12s %6s %9s   %s%n", "variant", "total ms", "per port µs", "txns",
                "vs A", "runs ms");
        List<String> notes = new ArrayList<>();
        for (Variant x : r.variants()) {
            if (x.skipped()) {
                out.printf(Locale.ROOT, "%-24s %11s %12s %6s %9s%n", x.label(), "skipped", "-", "-", "-");
                notes.add(x.label().strip() + " skipped: " + x.skipReason());
                continue;
            }
            out.printf(Locale.ROOT, "%-24s %10.1f%s %12.1f %6d %8.1fx   %s%n", x.label(), x.totalMs(),
                    x.extrapolated() ? "*" : " ", x.perPortUs(), x.transactions(), a.totalMs() / x.totalMs(),
                    x.runsMs().stream().map(ms -> String.format(Locale.ROOT, "%.1f", ms)).collect(Collectors.joining(" ")));
            if (x.extrapolated()) {
                notes.add(String.format(Locale.ROOT, "* %s measured the first %d of %d ports only (%.1f ms) and is"
                                + " extrapolated linearly to %d; per-call cost grows with the database, so the real"
                                + " figure is higher", x.label().strip(), x.measuredPorts(), r.ports(),
                        x.totalMs() * x.measuredPorts() / r.ports(), r.ports()));
            }
            Object chunks = x.details().get("chunks");
            if (chunks instanceof Integer c && c > 1) {
                notes.add(x.label().strip() + ": the command line exceeds ARG_MAX, so it ran as " + c
                        + " ovn-nbctl calls (" + c + " transactions)");
            }
            if (x.details().get("client_encode_ms") instanceof Double enc) {
                notes.add(String.format(Locale.ROOT, "%s: building and JSON-encoding its transactions alone takes"
                        + " %.1f ms (%.0f%% of the total)", x.label().strip(), enc, 100 * enc / x.totalMs()));
            }
        }
        out.println();
        notes.forEach(n -> out.println("  " + n));
        out.println();
        out.printf(Locale.ROOT, "speedup_vs_nbctl = nbctl-per-port / kovn one-txn-per-port = %6.2f   target >= %s: %s%n",
                r.speedupVsNbctl(), fmt(OvsdbBench.SPEEDUP_TARGET), r.speedupTargetMet() ? "MET" : "NOT MET");
        out.printf(Locale.ROOT, "batched_vs_floor = kovn batched / nbctl-one-txn         = %6.2f   target <= %s: %s%n",
                r.batchedVsFloor(), fmt(OvsdbBench.FLOOR_TARGET), r.floorTargetMet() ? "MET" : "NOT MET");
    }

    static String toJson(Result r) {
        ObjectNode o = OvsdbJson.NODES.objectNode();
        o.put("benchmark", "ovsdb");
        o.put("ports", r.ports());
        o.put("batch", r.batch());
        o.put("runs_per_variant", OvsdbBench.RUNS);
        o.put("warmup_ports", r.warmupPorts());
        o.put("cpus", CPUS);
        Variant a = r.variant(OvsdbBench.NBCTL_PER_PORT).orElseThrow();
        o.put("nbctl_per_port_measured_ports", a.measuredPorts());
        o.put("nbctl_per_port_extrapolated", a.extrapolated());
        o.put("speedup_vs_nbctl", round(r.speedupVsNbctl()));
        o.put("speedup_vs_nbctl_target", OvsdbBench.SPEEDUP_TARGET);
        o.put("speedup_vs_nbctl_met", r.speedupTargetMet());
        o.put("batched_vs_floor", round(r.batchedVsFloor()));
        o.put("batched_vs_floor_target", OvsdbBench.FLOOR_TARGET);
        o.put("batched_vs_floor_met", r.floorTargetMet());
        o.put("targets_met", r.targetsMet());
        ObjectNode variants = o.putObject("variants");
        for (Variant x : r.variants()) {
            ObjectNode j = variants.putObject(x.id());
            j.put("label", x.label().strip());
            if (x.skipped()) {
                j.put("skipped", true);
                j.put("reason", x.skipReason());
                j.putNull("total_ms");
                j.putNull("per_port_us");
                continue;
            }
            j.put("skipped", false);
            j.put("total_ms", round(x.totalMs()));
            j.put("per_port_us", round(x.perPortUs()));
            j.put("measured_ports", x.measuredPorts());
            j.put("extrapolated", x.extrapolated());
            j.put("transactions", x.transactions());
            j.put("verified_ports", x.verifiedPorts());
            ArrayNode runs = j.putArray("runs_ms");
            x.runsMs().forEach(ms -> runs.add(round(ms)));
            x.details().forEach((k, val) -> {
                if (val instanceof Double d) {
                    j.put(k, round(d));
                } else if (val instanceof Integer i) {
                    j.put(k, i);
                } else if (val instanceof Long l) {
                    j.put(k, l);
                } else if (val instanceof Boolean b) {
                    j.put(k, b);
                } else {
                    j.put(k, String.valueOf(val));
                }
            });
        }
        ObjectNode versions = o.putObject("versions");
        r.versions().forEach(versions::put);
        return OvsdbJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
}

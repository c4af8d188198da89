package io.kovn.cli;

import io.kovn.bench.ControllerBench;
import io.kovn.bench.OvsdbBench;
import io.kovn.bench.RecoveryBench;
import io.kovn.bench.cni.CniBench;
import io.kovn.bench.node.NodeFootprintBench;
import io.kovn.bench.scale.ScaleBench;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kovn bench ...}: benchmarks that print their figures and the ratio against the baseline they name. */
@Command(name = "bench", description = "Benchmarks (each starts the daemons it measures and stops them).",
        subcommands = {BenchCommand.Ovsdb.class, BenchCommand.Controller.class,
                BenchCommand.Recovery.class, BenchCommand.Scale.class, BenchCommand.Cni.class,
                BenchCommand.NodeFootprint.class}, mixinStandardHelpOptions = true)
final class BenchCommand {

    @Command(name = "ovsdb", mixinStandardHelpOptions = true,
            description = {"Adds N logical switch ports to one switch of a fresh NB ovsdb-server: one ovn-nbctl per port "
                    + "(baseline A), OVS's Python IDL (baseline B), one ovn-nbctl call for all (the floor), and kovn's "
                    + "client one transaction per port and batched.",
                    "Targets: speedup_vs_nbctl >= 10, batched_vs_floor <= 1.5."})
    static final class Ovsdb implements Callable<Integer> {
        @Option(names = "--ports", defaultValue = "" + OvsdbBench.Options.DEFAULT_PORTS, description = "logical switch ports to add (default ${DEFAULT-VALUE})")
        int ports;

        @Option(names = "--batch", defaultValue = "" + OvsdbBench.Options.DEFAULT_BATCH, description = "ports per transaction in the batched variants (default ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--json", description = "print one JSON object instead of the table")
        boolean json;

        @Override
        public Integer call() throws Exception {
            OvsdbBench.run(new OvsdbBench.Options(ports, batch, json), System.err).print(json, System.out);
            return 0;
        }
    }

    @Command(name = "controller", mixinStandardHelpOptions = true,
            description = {"Creates nodes, pods and services (with EndpointSlices) through an embedded mock Kubernetes API "
                    + "while the controller runs against a fresh NB ovsdb-server; prints the time until NB is complete "
                    + "and every pod annotated, the ratio to writing the same rows in one raw transaction (the floor), "
                    + "memory, and the NB writes of a no-op restart (goal 0)."})
    static final class Controller implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "100", description = "default ${DEFAULT-VALUE}")
        int nodes;

        @Option(names = "--pods", defaultValue = "5000", description = "default ${DEFAULT-VALUE}")
        int pods;

        @Option(names = "--services", defaultValue = "500", description = "default ${DEFAULT-VALUE}")
        int services;

        @Option(names = "--json", description = "print one JSON object instead of the table")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ControllerBench.run(new ControllerBench.Options(nodes, pods, services, json), System.err).print(json, System.out);
            return 0;
        }
    }

    @Command(name = "recovery", mixinStandardHelpOptions = true,
            description = {"Disaster recovery of a wiped Northbound database: pods and nodes are synced into NB by the "
                    + "controller (embedded mock Kubernetes API, real NB ovsdb-server); then, each round, NB is replaced "
                    + "by an empty database and a new controller rebuilds it. Prints the time until NB holds every pod's "
                    + "port with its former IP and MAC and every node's switch with its former subnet (fails if one "
                    + "changed), the NB transactions used, median and spread over the rounds, and the ratio to a cold "
                    + "sync of the same cluster without annotations into an empty NB, interleaved with the rounds."})
    static final class Recovery implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "100", description = "default ${DEFAULT-VALUE}")
        int nodes;

        @Option(names = "--pods", defaultValue = "5000", description = "default ${DEFAULT-VALUE}")
        int pods;

        @Option(names = "--rounds", defaultValue = "3", description = "recoveries and cold syncs, alternating (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--json", description = "print one JSON object instead of the table")
        boolean json;

        @Override
        public Integer call() throws Exception {
            RecoveryBench.run(new RecoveryBench.Options(nodes, pods, rounds), System.err).print(json, System.out);
            return 0;
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = {"The controller at cluster scale, fed from memory instead of an API server (the same informer "
                    + "handlers; its annotation and condition writes echoed back as watch events) against a real NB "
                    + "ovsdb-server. Prints, each over --reps repetitions with variants alternating (median, min-max): "
                    + "cold start into an empty NB next to the floor (the same NB rows replayed as raw JSON-RPC "
                    + "transactions, as many as the controller used) with the CPU time of NB's ovsdb-server in both "
                    + "and of this JVM in the cold start (by thread too), and how many objects of each kind it "
                    + "reconciled; idle restart time and NB transactions (goal 0), churn p50/p99 at 50 and 200 "
                    + "pods/s (event to NB commit, and to annotation), policy update time (a namespace-selector policy added; a label put "
                    + "on 1000 pods), the JVM's heap after GC and RSS (set -Xmx, and -Xms for a large cluster, with "
                    + "KOVN_JAVA_OPTS), and the Southbound: a fresh SB and ovn-northd against the synced NB until SB "
                    + "caught up, pod creation to Port_Binding, northd CPU, RSS of northd, SB and NB.",
                    "Goals at 1000 nodes / 100000 pods / 10000 services / 2000 policies: cold <= 2x the floor, "
                    + "restart <= 30 s with 0 NB transactions, churn p99 <= 1 s at 200 pods/s, policy update <= 2 s."})
    static final class Scale implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "50", description = "at most 1000 (default ${DEFAULT-VALUE})")
        int nodes;

        @Option(names = "--pods", defaultValue = "5000", description = "at most 200 per node (default ${DEFAULT-VALUE})")
        int pods;

        @Option(names = "--services", defaultValue = "500", description = "default ${DEFAULT-VALUE}")
        int services;

        @Option(names = "--policies", defaultValue = "100", description = "default ${DEFAULT-VALUE}")
        int policies;

        @Option(names = "--reps", defaultValue = "3", description = "repetitions of each phase (default ${DEFAULT-VALUE})")
        int reps;

        @Option(names = "--southbound", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "last, the Southbound phase: a fresh SB and ovn-northd against the synced NB until SB "
                        + "caught up (northd's full recompute), and pod creation to Port_Binding in SB (default on)")
        boolean southbound;

        @Option(names = "--json", description = "print one JSON object instead of the table")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ScaleBench.run(new ScaleBench.Options(nodes, pods, services, policies, reps,
                    southbound, json), System.err).print(json, System.out);
            return 0;
        }
    }

    @Command(name = "cni", mixinStandardHelpOptions = true,
            description = {"CNI ADD exec-to-result through bin/kovn-cni on one node (real OVS/OVN in network namespaces), "
                    + "next to the baseline: the same plumbing by a plain shell script of ip / ethtool / ovs-vsctl "
                    + "commands. Sequential ADDs with the variants interleaved (median, p25-p75, p99), then bursts of "
                    + "ADDs at once, alternating which variant goes first (median over the rounds and their range), CPU "
                    + "per ADD from /proc, and the ratios kovn / script. Goal for bursts: p50 and p99 <= 1.3x. Needs root."})
    static final class Cni implements Callable<Integer> {
        @Option(names = "--sequential", defaultValue = "" + CniBench.Options.DEFAULT_SEQUENTIAL,
                description = "sequential ADDs per variant (default ${DEFAULT-VALUE})")
        int sequential;

        @Option(names = {"--burst", "--pods"}, defaultValue = "" + CniBench.Options.DEFAULT_BURST,
                description = "ADDs at once in a burst (default ${DEFAULT-VALUE})")
        int burst;

        @Option(names = "--rounds", defaultValue = "" + CniBench.Options.DEFAULT_ROUNDS,
                description = "bursts per variant (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--json", description = "print one JSON object instead of the table")
        boolean json;

        @Override
        public Integer call() {
            CniBench.run(new CniBench.Options(sequential, burst, rounds), System.err).print(json, System.out);
            return 0;
        }
    }

    @Command(name = "node-footprint", mixinStandardHelpOptions = true,
            description = {"The idle node agent's memory: `kovn node` in a JVM of its own, started as the sandbox starts "
                    + "it, on one node (real OVS/OVN in network namespaces, mock API). Prints resident memory and threads "
                    + "(/proc), heap after a full GC, metaspace, threads by name and the largest classes on the heap "
                    + "(jcmd), and the resident memory after some pods; median and every run. Goal: idle RSS <= 100 MiB. "
                    + "Needs root."})
    static final class NodeFootprint implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "" + NodeFootprintBench.Options.DEFAULT_RUNS,
                description = "agent JVMs started one after another (default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--idle", defaultValue = "15", description = "seconds the ready agent idles before it is measured (default ${DEFAULT-VALUE})")
        int idleSeconds;

        @Option(names = "--pods", defaultValue = "" + NodeFootprintBench.Options.DEFAULT_PODS,
                description = "pods added through bin/kovn-cni after the idle figures (default ${DEFAULT-VALUE})")
        int pods;

        @Option(names = "--nmt", description = "also the JVM's native memory by category (Native Memory Tracking)")
        boolean nmt;

        @Option(names = "--jvm-option", description = "an extra option for the agent's JVM, after the sandbox's (repeatable)")
        List<String> jvmOptions = new ArrayList<>();

        @Option(names = "--as-deployed", description = "start the agent as `kovn node` (the CLI's main class), as the "
                + "DaemonSet and the systemd unit do, not through the agent's own main class as the sandbox does")
        boolean asDeployed;

        @Option(names = "--json", description = "print one JSON object instead of the table")
        boolean json;

        @Override
        public Integer call() {
            NodeFootprintBench.run(new NodeFootprintBench.Options(runs, Duration.ofSeconds(idleSeconds), pods, nmt,
                    jvmOptions, asDeployed ? Main.class : null), System.err).print(json, System.out);
            return 0;
        }
    }
}

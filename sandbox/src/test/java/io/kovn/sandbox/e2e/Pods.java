package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodFluent;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Probe;
import io.kovn.sandbox.standins.RuntimePod;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Pod, namespace and wait helpers of the end-to-end tests. */
final class Pods {
    static final int TCP = 8080;
    static final int UDP = 5353;

    private final Sandbox sandbox;
    private final KubernetesClient client;
    private final String namespace;

    Pods(Sandbox sandbox, String namespace) {
        this.sandbox = sandbox;
        this.client = sandbox.client();
        this.namespace = namespace;
        sandbox.ensureNamespace(namespace);
    }

    KubernetesClient client() {
        return client;
    }

    String namespace() {
        return namespace;
    }

    /** An echo-server pod (TCP and UDP); {@code node} null lets the binder choose. */
    Pod echo(String name, String node, Map<String, String> labels) {
        return create(name, node, labels, true);
    }

    /** A pod that runs nothing but its network (a pause container). */
    Pod pause(String name, String node) {
        return create(name, node, Map.of(), false);
    }

    private Pod create(String name, String node, Map<String, String> labels, boolean echo) {
        PodFluent<PodBuilder>.SpecNested<PodBuilder> spec = new PodBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).addToLabels(labels).endMetadata().withNewSpec().withNodeName(node);
        if (echo) {
            spec.addNewContainer().withName("echo").addNewPort().withName("http").withContainerPort(TCP).endPort()
                    .addNewPort().withName("dns").withContainerPort(UDP).withProtocol("UDP").endPort().endContainer();
        } else {
            spec.addNewContainer().withName("pause").endContainer();
        }
        return client.pods().inNamespace(namespace).resource(spec.endSpec().build()).create();
    }

    /** Waits until the pod is Ready in the API and returns how its node runs it. */
    RuntimePod awaitReady(String name) {
        await("pod " + name + " ready", Duration.ofSeconds(90), () -> describe(name), () -> {
            Pod p = client.pods().inNamespace(namespace).withName(name).get();
            return p != null && p.getStatus() != null && p.getStatus().getConditions() != null
                    && p.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        });
        RuntimePod rp = sandbox.awaitPodIp(namespace, name, Duration.ofSeconds(10));
        assertThat(rp.ip()).isNotNull();
        return rp;
    }

    /** Deletes a pod and waits until its node has torn it down (CNI DEL done, namespace gone). */
    void delete(String name) {
        RuntimePod before = sandbox.pod(namespace, name).orElse(null);
        client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
        await("pod " + name + " torn down", Duration.ofSeconds(60), () -> sandbox.runtimePods().stream()
                .noneMatch(p -> p.namespace().equals(namespace) && p.name().equals(name))
                && (before == null || before.netnsPath() == null || !Files.exists(before.netnsPath())));
    }

    /** Removes every pod and service of the namespace and the namespace itself, waiting for the tear-down. */
    void deleteAll() {
        client.services().inNamespace(namespace).delete();
        client.pods().inNamespace(namespace).withGracePeriod(0).delete();
        await("pods of " + namespace + " torn down", Duration.ofSeconds(120), () ->
                client.pods().inNamespace(namespace).list().getItems().isEmpty()
                        && sandbox.runtimePods().stream().noneMatch(p -> p.namespace().equals(namespace)));
        client.namespaces().withName(namespace).delete();
    }

    /** The NB logical switch ports of this namespace's pods (named namespace_pod). */
    List<String> nbPorts() {
        String out = sandbox.nbctl("--bare", "--columns=name", "list", "Logical_Switch_Port");
        return out.lines().map(String::trim).filter(l -> l.startsWith(namespace + "_")).sorted()
                .collect(Collectors.toList());
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, () -> "", condition);
    }

    /** As {@link #await(String, Duration, BooleanSupplier)}; {@code state} describes what was seen at the timeout. */
    static void await(String what, Duration timeout, Supplier<String> state, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                System.err.println(apiThreads());
                throw new AssertionError("not " + what + " within " + timeout.toSeconds() + " s" + state.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** A TCP probe that has to succeed within a few seconds (OVN may still be installing flows). */
    static Probe.Result tcpOk(RuntimePod from, String ip) {
        Probe.Result r = Probe.until(() -> Probe.tcp(from.netnsPath(), ip, TCP), Duration.ofSeconds(10));
        assertThat(r.ok()).as("TCP %s -> %s:%d: %s", from.name(), ip, TCP, r).isTrue();
        return r;
    }

    /** The pod as the API has it: its annotations, node and conditions (for a timeout's message). */
    private String describe(String name) {
        try {
            Pod p = client.pods().inNamespace(namespace).withName(name).get();
            if (p == null) {
                return "; the pod is gone";
            }
            return "; node " + p.getSpec().getNodeName() + ", annotations " + p.getMetadata().getAnnotations()
                    + ", conditions " + (p.getStatus() == null ? null : p.getStatus().getConditions())
                    + "; its node's runtime: " + sandbox.pod(namespace, name).map(Object::toString).orElse("none");
        } catch (RuntimeException e) {
            return "; the pod could not be read: " + e;
        }
    }

    /** The stacks of the emulated API's threads in this JVM: what it was doing when a wait timed out. */
    static String apiThreads() {
        StringBuilder b = new StringBuilder("threads of the emulated API at the timeout:\n");
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("sandbox-api") || t.getName().startsWith("mock-api") || t.getName().startsWith("pool-")) {
                b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
                for (StackTraceElement e : stack) {
                    b.append("    at ").append(e).append('\n');
                }
            }
        });
        return b.toString();
    }
}

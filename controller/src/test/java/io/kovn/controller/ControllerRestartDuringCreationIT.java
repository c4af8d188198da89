package io.kovn.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.kovn.ovn.Owners;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.testing.OvnDaemons;
import io.kovn.testing.WithOvn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The controller restarts while pods are being created, and the new one's first pod list comes from a cache that
 * has not caught up with the last pod the old one addressed: no address is handed out twice, and no pod's address
 * ever changes once published.
 */
@WithOvn(northd = false)
class ControllerRestartDuringCreationIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final OvnDaemons ovn;

    ControllerRestartDuringCreationIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    /** Every pod's published address, by pod name. */
    private static Map<String, String> addresses(MockKube kube) {
        Map<String, String> out = new TreeMap<>();
        for (Pod p : kube.client.pods().inNamespace("default").list().getItems()) {
            Map<String, String> a = p.getMetadata().getAnnotations();
            if (a != null && a.get(PodNetwork.ANNOTATION) != null) {
                out.put(p.getMetadata().getName(), PodNetwork.parse(a.get(PodNetwork.ANNOTATION)).ip());
            }
        }
        return out;
    }

    @Test
    void noAddressIsHandedOutTwiceAcrossARestart() throws Exception {
        try (MockKube kube = new MockKube()) {
            kube.node("node-a", "192.168.50.11");
            Map<String, String> firstSeen = new ConcurrentHashMap<>();
            List<String> changed = new ArrayList<>();
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> {
                while (watching.get()) { // a pod's address, once published, must never change
                    addresses(kube).forEach((pod, ip) -> {
                        String before = firstSeen.putIfAbsent(pod, ip);
                        if (before != null && !before.equals(ip)) {
                            synchronized (changed) {
                                changed.add(pod + ": " + before + " -> " + ip);
                            }
                        }
                    });
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            watcher.start();
            try {
                KovnController first = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.newClient());
                first.start();
                for (int i = 0; i < 10; i++) {
                    kube.pod("default", "early-" + i, "node-a");
                }
                kube.pod("default", "last", "node-a");
                await().atMost(WAIT).until(() -> addresses(kube).size() == 11);
                first.close();

                // the new controller's pod list lags: it lacks the pod the old controller addressed last
                kube.unlistedPods().add("last");
                KovnController second = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.newClient());
                try (second) {
                    second.start();
                    for (int i = 0; i < 10; i++) { // created while the new controller starts
                        kube.pod("default", "late-" + i, "node-a");
                        Thread.sleep(100);
                    }
                    Thread.sleep(1000);
                    // the cache catches up: the pod changes, and the watch delivers it
                    kube.unlistedPods().clear();
                    kube.client.pods().inNamespace("default").withName("last").edit(p -> {
                        p.getMetadata().getLabels().put("touched", "yes");
                        return p;
                    });
                    await().atMost(WAIT).until(() -> addresses(kube).size() == 21);
                    Thread.sleep(1000);
                }
            } finally {
                watching.set(false);
                watcher.join();
            }
            Map<String, String> published = addresses(kube);
            assertThat(published.values()).as("addresses of %s", published).doesNotHaveDuplicates();
            synchronized (changed) {
                assertThat(changed).as("pods whose address changed").isEmpty();
            }
            List<String> ports = ovn.nbctl("--format=csv", "--data=bare", "--no-headings", "--columns=addresses,external_ids",
                    "list", "logical_switch_port").lines().filter(l -> l.contains(Owners.POD_UID + "="))
                    .map(l -> l.substring(l.indexOf(' ') + 1, l.indexOf(','))).toList();
            assertThat(ports).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(published.values());
        }
    }
}

package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-in for kube-controller-manager's ReplicaSet controller: keeps {@code spec.replicas} pods made from
 * each ReplicaSet's template (named {@code <replicaset>-<5 random characters>}, owned by it), deleting the
 * surplus (not Ready ones and the newest first), and reports the counts kubectl shows (replicas,
 * readyReplicas, availableReplicas; minReadySeconds is not honoured: Ready is available). It also stands in
 * for the garbage collector for those pods: when a ReplicaSet goes, so do the pods it controlled.
 */
public final class ReplicaSetController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final KubernetesClient client;
    private final SharedIndexInformer<ReplicaSet> sets;
    private final SharedIndexInformer<Pod> pods;
    private final KeyQueue<String> queue;

    public ReplicaSetController(KubernetesClient client) {
        this.client = client;
        sets = client.apps().replicaSets().inAnyNamespace().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
        queue = new KeyQueue<>("stand-in-replicaset-controller", this::sync);
        sets.addEventHandler(new Handler<>(rs -> queue.add(key(rs.getMetadata().getNamespace(), rs.getMetadata().getName()))));
        pods.addEventHandler(new Handler<>(p -> ownerKey(p, "ReplicaSet").ifPresent(queue::add)));
        sets.start();
        pods.start();
    }

    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** The key of the {@code kind} controlling {@code p}, if any. */
    static Optional<String> ownerKey(HasMetadata p, String kind) {
        if (p.getMetadata().getOwnerReferences() == null) {
            return Optional.empty();
        }
        return p.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController()) && kind.equals(r.getKind()))
                .map(r -> key(p.getMetadata().getNamespace(), r.getName())).findFirst();
    }

    private void sync(String key) {
        String namespace = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        ReplicaSet rs = sets.getStore().getByKey(key);
        List<Pod> owned = pods.getStore().list().stream()
                .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
                .filter(p -> OwnedObjects.controlledBy(p, "ReplicaSet", name)).toList();
        if (rs == null || rs.getMetadata().getDeletionTimestamp() != null) {
            owned.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).forEach(this::delete);
            return;
        }
        List<Pod> alive = owned.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> !List.of("Succeeded", "Failed").contains(phase(p))).toList();
        int want = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
        for (int i = alive.size(); i < want; i++) {
            create(rs);
        }
        if (alive.size() > want) {
            alive.stream().sorted(Comparator.comparing((Pod p) -> ready(p))
                            .thenComparing(p -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()))
                    .limit(alive.size() - want).forEach(this::delete);
        }
        int ready = (int) alive.stream().filter(ReplicaSetController::ready).count();
        int labelled = (int) alive.stream().filter(p -> p.getMetadata().getLabels() != null
                && p.getMetadata().getLabels().entrySet().containsAll(labels(rs).entrySet())).count();
        ReplicaSetStatus status = new ReplicaSetStatusBuilder().withReplicas(alive.size())
                .withReadyReplicas(ready).withAvailableReplicas(ready).withFullyLabeledReplicas(labelled)
                .withObservedGeneration(rs.getMetadata().getGeneration()).build();
        if (!Objects.equals(Serialization.asJson(status), Serialization.asJson(rs.getStatus()))) {
            client.apps().replicaSets().inNamespace(namespace).withName(name).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/status\",\"value\":"
                            + Serialization.asJson(status) + "}]");
        }
    }

    private static Map<String, String> labels(ReplicaSet rs) {
        var l = rs.getSpec().getTemplate().getMetadata() == null ? null : rs.getSpec().getTemplate().getMetadata().getLabels();
        return l == null ? Map.of() : l;
    }

    private static String phase(Pod p) {
        return p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
    }

    static boolean ready(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : p.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    private void create(ReplicaSet rs) {
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            suffix.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        Pod pod = new PodBuilder().withNewMetadata().withName(rs.getMetadata().getName() + "-" + suffix)
                .withNamespace(rs.getMetadata().getNamespace()).withLabels(new HashMap<>(labels(rs)))
                .withAnnotations(rs.getSpec().getTemplate().getMetadata() == null ? null
                        : rs.getSpec().getTemplate().getMetadata().getAnnotations())
                .withOwnerReferences(OwnedObjects.controllerRef(rs)).endMetadata()
                .withSpec(rs.getSpec().getTemplate().getSpec()).build();
        client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create();
        log.info("replicaset {}/{}: created pod {}", rs.getMetadata().getNamespace(), rs.getMetadata().getName(),
                pod.getMetadata().getName());
    }

    private void delete(Pod p) {
        try {
            client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            log.info("cannot delete pod {}/{}: {}", p.getMetadata().getNamespace(), p.getMetadata().getName(), e.getMessage());
        }
    }

    @Override
    public void close() {
        queue.close();
        pods.close();
        sets.close();
    }
}

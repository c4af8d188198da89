package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Stand-in for kube-controller-manager's Deployment controller: each Deployment gets a ReplicaSet per pod
 * template (named {@code <deployment>-<template hash>}, labelled {@code pod-template-hash}, numbered by the
 * {@code deployment.kubernetes.io/revision} annotation), which the {@link ReplicaSetController} turns into pods.
 * A template change is rolled out as RollingUpdate does it (at most replicas + maxSurge pods, at least
 * replicas - maxUnavailable Ready; 25% each by default) or, with the Recreate strategy, old pods first;
 * scaling changes the current ReplicaSet. The status has what {@code kubectl get}, {@code describe} and
 * {@code rollout status} read; a template seen before (kubectl's {@code rollout undo}) makes its ReplicaSet
 * current again, with the next revision; a paused Deployment's ReplicaSets are left as they are. Not emulated:
 * progress deadlines, minReadySeconds, revision history limits. Standing in for the garbage collector, a deleted Deployment's
 * ReplicaSets are deleted (their pods follow).
 */
public final class DeploymentController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeploymentController.class);
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String HASH_LABEL = "pod-template-hash";
    private static final JsonMapper CANONICAL = JsonMapper.builder().build();

    private final KubernetesClient client;
    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<ReplicaSet> sets;
    private final KeyQueue<String> queue;

    public DeploymentController(KubernetesClient client) {
        this.client = client;
        deployments = client.apps().deployments().inAnyNamespace().runnableInformer(0);
        sets = client.apps().replicaSets().inAnyNamespace().runnableInformer(0);
        queue = new KeyQueue<>("stand-in-deployment-controller", this::sync);
        deployments.addEventHandler(new Handler<>(d -> queue.add(ReplicaSetController.key(d.getMetadata().getNamespace(),
                d.getMetadata().getName()))));
        sets.addEventHandler(new Handler<>(rs -> ReplicaSetController.ownerKey(rs, "Deployment").ifPresent(queue::add)));
        deployments.start();
        sets.start();
    }

    private void sync(String key) {
        String namespace = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        Deployment d = deployments.getStore().getByKey(key);
        List<ReplicaSet> owned = new ArrayList<>(sets.getStore().list().stream()
                .filter(rs -> namespace.equals(rs.getMetadata().getNamespace()))
                .filter(rs -> OwnedObjects.controlledBy(rs, "Deployment", name)).toList());
        if (d == null || d.getMetadata().getDeletionTimestamp() != null) {
            owned.forEach(rs -> client.apps().replicaSets().inNamespace(namespace).withName(rs.getMetadata().getName())
                    .delete());
            return;
        }
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        String hash = templateHash(d.getSpec().getTemplate());
        String newName = name + "-" + hash;
        // a ReplicaSet made for this template before (a rollback brings an old template back) is current again
        String template = canonical(d.getSpec().getTemplate());
        ReplicaSet current = owned.stream().filter(rs -> rs.getMetadata().getName().equals(newName)).findFirst()
                .or(() -> owned.stream().filter(rs -> template.equals(canonical(rs.getSpec().getTemplate()))).findFirst())
                .orElse(null);
        if (current != null) {
            int latest = owned.stream().mapToInt(DeploymentController::revision).max().orElse(0);
            if (revision(current) < latest) {
                int revision = latest + 1;
                client.apps().replicaSets().inNamespace(namespace).withName(current.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), revisionPatch(revision));
                client.apps().deployments().inNamespace(namespace).withName(name)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), revisionPatch(revision));
                return; // the ReplicaSet's event brings the deployment back
            }
        }
        List<ReplicaSet> old = owned.stream().filter(rs -> rs != current).toList();
        int oldReplicas = old.stream().mapToInt(DeploymentController::specReplicas).sum();
        boolean recreate = d.getSpec().getStrategy() != null && "Recreate".equals(d.getSpec().getStrategy().getType());
        int surge = recreate ? 0 : scaled(rollingValue(d, true), desired, true);
        int unavailable = recreate ? desired : scaled(rollingValue(d, false), desired, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            if (current != null) {
                status(d, current, owned, desired);
            }
            return; // a paused rollout: no ReplicaSet is made or scaled until it is resumed
        }
        if (current == null) {
            int start = recreate ? (oldPods(old) > 0 ? 0 : desired) : Math.max(0, Math.min(desired, desired + surge - oldReplicas));
            create(d, hash, start, old);
            return; // the new ReplicaSet's event brings the deployment back
        }
        int currentReplicas = specReplicas(current);
        int want;
        if (old.isEmpty() || oldReplicas == 0 && oldPods(old) == 0) {
            want = desired;
        } else if (recreate) {
            want = oldPods(old) > 0 ? 0 : desired;
        } else {
            want = Math.max(currentReplicas, Math.min(desired, desired + surge - oldReplicas));
        }
        if (want != currentReplicas) {
            scale(current, want);
        }
        // scale old ReplicaSets down as far as availability allows, counted as the real controller counts it: from
        // the replicas asked for (statuses lag behind), less the new ReplicaSet's pods that are not Ready yet
        int newUnavailable = Math.max(0, want - readyReplicas(current));
        int canRemove = recreate ? Integer.MAX_VALUE : oldReplicas + want - (desired - unavailable) - newUnavailable;
        for (ReplicaSet rs : old.stream().sorted(Comparator.comparing(rs -> rs.getMetadata().getCreationTimestamp())).toList()) {
            int r = specReplicas(rs);
            if (r == 0 || canRemove <= 0) {
                continue;
            }
            int down = Math.min(r, canRemove);
            scale(rs, r - down);
            canRemove -= down;
        }
        status(d, current, owned, desired);
    }

    /**
     * The template in a canonical form, to hash it and to compare a Deployment's with its ReplicaSets': JSON with
     * sorted keys, without the pod-template-hash label and without the zero values (false, 0, "", null, empty
     * objects and lists) that encodings add or drop (protobuf bodies carry them, YAML manifests do not).
     */
    static String canonical(PodTemplateSpec t) {
        JsonNode tree = CANONICAL.readTree(Serialization.asJson(t));
        if (tree.path("metadata").path("labels") instanceof ObjectNode labels) {
            labels.remove(HASH_LABEL);
        }
        JsonNode pruned = prune(tree);
        return CANONICAL.writeValueAsString(pruned == null ? CANONICAL.createObjectNode() : pruned);
    }

    private static JsonNode prune(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = CANONICAL.createObjectNode();
            new TreeMap<>(n.propertyStream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))
                    .forEach((k, v) -> {
                        JsonNode p = prune(v);
                        if (p != null) {
                            out.set(k, p);
                        }
                    });
            return out.isEmpty() ? null : out;
        }
        if (n.isArray()) {
            ArrayNode out = CANONICAL.createArrayNode();
            n.forEach(e -> {
                JsonNode p = prune(e);
                out.add(p == null ? CANONICAL.createObjectNode() : p);
            });
            return out.isEmpty() ? null : out;
        }
        boolean zero = n.isNull() || (n.isBoolean() && !n.asBoolean()) || (n.isNumber() && n.asDouble() == 0)
                || (n.isString() && n.asString().isEmpty());
        return zero ? null : n;
    }

    private static String revisionPatch(int revision) {
        return "{\"metadata\":{\"annotations\":{\"" + REVISION + "\":\"" + revision + "\"}}}";
    }

    private static int specReplicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    private static int readyReplicas(ReplicaSet rs) {
        return rs.getStatus() == null || rs.getStatus().getReadyReplicas() == null ? 0 : rs.getStatus().getReadyReplicas();
    }

    private static int statusReplicas(ReplicaSet rs) {
        return rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas();
    }

    private static int oldPods(List<ReplicaSet> old) {
        return old.stream().mapToInt(DeploymentController::statusReplicas).sum();
    }

    private static IntOrString rollingValue(Deployment d, boolean surge) {
        var s = d.getSpec().getStrategy();
        var ru = s == null ? null : s.getRollingUpdate();
        IntOrString v = ru == null ? null : surge ? ru.getMaxSurge() : ru.getMaxUnavailable();
        return v == null ? new IntOrString("25%") : v;
    }

    /** An absolute number or a percentage of {@code total}, rounded up for surge and down for unavailability. */
    static int scaled(IntOrString v, int total, boolean roundUp) {
        if (v.getIntVal() != null) {
            return v.getIntVal();
        }
        String s = v.getStrVal().trim();
        int percent = Integer.parseInt(s.endsWith("%") ? s.substring(0, s.length() - 1) : s);
        return roundUp ? (total * percent + 99) / 100 : total * percent / 100;
    }

    /** A short, stable hash of the pod template (the ReplicaSet's name suffix). */
    static String templateHash(PodTemplateSpec template) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical(template).getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                out.append("bcdfghjklmnpqrstvwxz2456789".charAt((d[i] & 0xff) % 27));
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void create(Deployment d, String hash, int replicas, List<ReplicaSet> old) {
        int revision = old.stream().mapToInt(DeploymentController::revision).max().orElse(0) + 1;
        Map<String, String> labels = new HashMap<>(d.getSpec().getTemplate().getMetadata() == null
                || d.getSpec().getTemplate().getMetadata().getLabels() == null ? Map.of()
                : d.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(HASH_LABEL, hash);
        PodTemplateSpec template = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).editOrNewMetadata()
                .withLabels(labels).endMetadata().build();
        LabelSelector selector = new LabelSelectorBuilder(d.getSpec().getSelector()).addToMatchLabels(HASH_LABEL, hash).build();
        ReplicaSet rs = new ReplicaSetBuilder().withNewMetadata().withName(d.getMetadata().getName() + "-" + hash)
                .withNamespace(d.getMetadata().getNamespace()).withLabels(labels)
                .addToAnnotations(REVISION, Integer.toString(revision))
                .withOwnerReferences(OwnedObjects.controllerRef(d)).endMetadata()
                .withNewSpec().withReplicas(replicas).withSelector(selector).withTemplate(template).endSpec().build();
        client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).resource(rs).create();
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), revisionPatch(revision));
        log.info("deployment {}/{}: created replicaset {} (revision {}, {} replicas)", d.getMetadata().getNamespace(),
                d.getMetadata().getName(), rs.getMetadata().getName(), revision, replicas);
    }

    private static int revision(ReplicaSet rs) {
        String r = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(REVISION);
        try {
            return r == null ? 0 : Integer.parseInt(r);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void scale(ReplicaSet rs, int replicas) {
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
    }

    private void status(Deployment d, ReplicaSet current, List<ReplicaSet> owned, int desired) {
        int replicas = owned.stream().mapToInt(DeploymentController::statusReplicas).sum();
        int ready = owned.stream().mapToInt(DeploymentController::readyReplicas).sum();
        int updated = statusReplicas(current);
        boolean complete = updated == desired && replicas == desired && readyReplicas(current) == desired;
        List<DeploymentCondition> conditions = List.of(
                condition(d, "Available", ready >= desired - scaled(rollingValue(d, false), desired, false),
                        "MinimumReplicasAvailable", "Deployment has minimum availability."),
                condition(d, "Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                        "ReplicaSet \"" + current.getMetadata().getName() + "\" "
                                + (complete ? "has successfully progressed." : "is progressing.")));
        DeploymentStatus status = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(updated).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withUnavailableReplicas(Math.max(0, desired - ready)).withConditions(conditions).build();
        if (!Objects.equals(Serialization.asJson(status), Serialization.asJson(d.getStatus()))) {
            client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/status\","
                            + "\"value\":" + Serialization.asJson(status) + "}]");
        }
    }

    /** A condition; its times stay as they were while its status does not change (so status writes settle). */
    private static DeploymentCondition condition(Deployment d, String type, boolean ok, String reason, String message) {
        String status = ok ? "True" : "False";
        DeploymentCondition old = d.getStatus() == null || d.getStatus().getConditions() == null ? null
                : d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String since = old != null && status.equals(old.getStatus()) && old.getLastTransitionTime() != null
                ? old.getLastTransitionTime() : now;
        String update = old != null && status.equals(old.getStatus()) && reason.equals(old.getReason())
                && old.getLastUpdateTime() != null ? old.getLastUpdateTime() : now;
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(since).withLastUpdateTime(update).build();
    }

    @Override
    public void close() {
        queue.close();
        sets.close();
        deployments.close();
    }
}

package io.kovn.node.kube;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * A pod as the node agent reads it: its metadata (name, namespace, uid, resource version, creation time, annotations)
 * and its status conditions, nothing else; the API's Pod read into this type directly. fabric8's {@code Pod} is a
 * graph of some 190 model classes (containers, volumes, probes, affinity...), each with its builder and fluent
 * class, which Jackson introspects and keeps deserializers for as soon as the agent's informer reads a pod list,
 * even an empty one: 4 MiB of heap and some 400 classes of metaspace on every node for fields the agent never
 * reads. {@link AgentKubernetesClient} registers this type as the {@code v1 Pod} kind, so the agent's informer,
 * watch events and status patches all give it; everything else of the pod is skipped while reading, and the
 * managed fields (often the largest part of a pod's metadata) are dropped.
 */
@Group("")
@Version("v1")
@Kind("Pod")
@Plural("pods")
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE, creatorVisibility = Visibility.NONE)
public final class AgentPod extends AgentObject implements Namespaced {
    /** The part of a pod's status the agent reads: its conditions. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
            isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE,
            creatorVisibility = Visibility.NONE)
    public static final class Status {
        @JsonProperty("conditions")
        private List<PodCondition> conditions;

        public Status() {
        }

        public Status(List<PodCondition> conditions) {
            this.conditions = conditions;
        }

        /** Null when the API sent none. */
        public List<PodCondition> getConditions() {
            return conditions;
        }
    }

    @JsonProperty("status")
    private Status status;

    public AgentPod() {
    }

    public AgentPod(ObjectMeta metadata, Status status) {
        setMetadata(metadata);
        this.status = status;
    }

    /** Null when the API sent none. */
    public Status getStatus() {
        return status;
    }
}

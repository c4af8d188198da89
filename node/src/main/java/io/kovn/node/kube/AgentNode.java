package io.kovn.node.kube;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * A Node as the node agent reads it: its metadata (name, resource version, annotations), its addresses and its
 * conditions, nothing else; the API's Node read into this type directly, as {@link AgentPod} is for pods. fabric8's
 * {@code Node} brings its spec, taints, capacity quantities, system info, images and volumes, each with a builder and
 * a fluent class that Jackson's introspection loads, on every node for fields the agent never reads; a real Node's
 * status also lists every image on the host. {@link AgentKubernetesClient} registers this type as the {@code v1 Node}
 * kind; the managed fields are dropped.
 */
@Group("")
@Version("v1")
@Kind("Node")
@Plural("nodes")
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE, creatorVisibility = Visibility.NONE)
public final class AgentNode extends AgentObject {
    /** The part of a Node's status the agent reads: its addresses and conditions. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
            isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE,
            creatorVisibility = Visibility.NONE)
    public static final class Status {
        @JsonProperty("addresses")
        private List<NodeAddress> addresses;
        @JsonProperty("conditions")
        private List<NodeCondition> conditions;

        public Status() {
        }

        public Status(List<NodeAddress> addresses, List<NodeCondition> conditions) {
            this.addresses = addresses;
            this.conditions = conditions;
        }

        /** Null when the API sent none. */
        public List<NodeAddress> getAddresses() {
            return addresses;
        }

        /** Null when the API sent none. */
        public List<NodeCondition> getConditions() {
            return conditions;
        }
    }

    @JsonProperty("status")
    private Status status;

    public AgentNode() {
    }

    public AgentNode(ObjectMeta metadata, Status status) {
        setMetadata(metadata);
        this.status = status;
    }

    /** Null when the API sent none. */
    public Status getStatus() {
        return status;
    }
}

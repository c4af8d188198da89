package io.kovn.node.kube;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * What the agent's slim read-models ({@link AgentPod}, {@link AgentNode}) have in common: the API version and the
 * metadata, kept without its managed fields (often the largest part of an object's metadata, never read here).
 * Jackson sees only the annotated fields; everything else the API sends is skipped while reading.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE, creatorVisibility = Visibility.NONE)
abstract class AgentObject implements HasMetadata {
    @JsonProperty("apiVersion")
    private String apiVersion = "v1";
    private ObjectMeta metadata;

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    /** Keeps {@code metadata} without its managed fields. */
    @Override
    @JsonProperty("metadata")
    public void setMetadata(ObjectMeta metadata) {
        if (metadata != null) {
            metadata.setManagedFields(null);
        }
        this.metadata = metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String version) {
        this.apiVersion = version;
    }
}

package io.kovn.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * Reads manifests into fabric8's typed model and refuses any field the model does not know. fabric8's model
 * classes keep unknown fields in an "additionalProperties" map (their Jackson any-setter) so a misspelt or
 * misplaced key would pass silently; this mapper drops those any-setters and fails on unknown properties, the
 * way {@code kubectl apply} with server-side field validation (Strict) refuses them.
 */
final class StrictKubernetesYaml {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("kovn-no-additional-properties").setDeserializerModifier(new NoAnySetter()))
            .build(), true);

    private StrictKubernetesYaml() {
    }

    /** Every document of a (multi-document) YAML text, as typed objects. */
    static List<HasMetadata> parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
        List<?> documents = parsed instanceof List<?> list ? list : List.of(parsed);
        return documents.stream().map(d -> (HasMetadata) d).toList();
    }

    /** Removes the any-setter from fabric8's model classes, so unknown properties reach Jackson's failure. */
    private static final class NoAnySetter extends ValueDeserializerModifier {
        @Override
        public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription.Supplier bean,
                BeanDeserializerBuilder builder) {
            if (KubernetesResource.class.isAssignableFrom(bean.getBeanClass())) {
                builder.setAnySetter(null);
            }
            return builder;
        }
    }
}

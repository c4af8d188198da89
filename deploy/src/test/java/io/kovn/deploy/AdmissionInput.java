package io.kovn.deploy;

import dev.cel.common.values.NullValue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One admission request as a ValidatingAdmissionPolicy sees it: {@code object}, {@code oldObject} and
 * {@code request} (an admission.k8s.io/v1 AdmissionRequest), each as the JSON value kube-apiserver hands to CEL:
 * fields the API omits when empty (a node's namespace, the subresource of a main-resource write) are absent.
 *
 * @param resource    the plural resource ("pods", "nodes")
 * @param subResource "" for the main resource, else e.g. "status" or "binding"
 * @param oldObject   null on CREATE
 */
record AdmissionInput(String operation, String resource, String subResource, Caller caller, HasMetadata object,
        HasMetadata oldObject) {
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    static AdmissionInput create(Caller caller, String resource, HasMetadata object) {
        return new AdmissionInput("CREATE", resource, "", caller, object, null);
    }

    static AdmissionInput update(Caller caller, String resource, HasMetadata oldObject, HasMetadata object) {
        return new AdmissionInput("UPDATE", resource, "", caller, object, oldObject);
    }

    /** The same request sent to a subresource, e.g. "status". */
    AdmissionInput on(String sub) {
        return new AdmissionInput(operation, resource, sub, caller, object, oldObject);
    }

    /** The CEL activation: the policy's variables are filled into {@code variables} as they are evaluated. */
    Map<String, Object> activation(Map<String, Object> variables) {
        Map<String, Object> activation = new LinkedHashMap<>();
        activation.put("object", celValue(object));
        activation.put("oldObject", oldObject == null ? NullValue.NULL_VALUE : celValue(oldObject));
        activation.put("request", request());
        activation.put("params", NullValue.NULL_VALUE);
        activation.put("namespaceObject", NullValue.NULL_VALUE);
        activation.put("variables", variables);
        return activation;
    }

    private Map<String, Object> request() {
        String[] groupVersion = object.getApiVersion().contains("/") ? object.getApiVersion().split("/", 2)
                : new String[] {"", object.getApiVersion()};
        Map<String, Object> kind = Map.of("group", groupVersion[0], "version", groupVersion[1], "kind",
                object.getKind());
        Map<String, Object> gvr = Map.of("group", "", "version", "v1", "resource", resource);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("uid", "705ab4f5-6393-11e8-b7cc-42010a800002");
        request.put("kind", kind);
        request.put("resource", gvr);
        request.put("requestKind", kind);
        request.put("requestResource", gvr);
        if (!subResource.isEmpty()) {
            request.put("subResource", subResource);
            request.put("requestSubResource", subResource);
        }
        request.put("name", object.getMetadata().getName());
        if (object.getMetadata().getNamespace() != null) {
            request.put("namespace", object.getMetadata().getNamespace());
        }
        request.put("operation", operation);
        request.put("userInfo", caller.userInfo());
        request.put("dryRun", false);
        return request;
    }

    /** The object's JSON form with CEL's number types (CEL has int64, not Java's Integer). */
    private static Object celValue(HasMetadata object) {
        return toCel(JSON.convertValue(object, Map.class));
    }

    private static Object toCel(Object json) {
        if (json instanceof Map<?, ?> map) {
            return map.entrySet().stream().collect(Collectors.toMap(e -> (String) e.getKey(),
                    e -> toCel(e.getValue()), (a, b) -> a, LinkedHashMap::new));
        }
        if (json instanceof List<?> list) {
            return list.stream().map(AdmissionInput::toCel).toList();
        }
        if (json instanceof Integer i) {
            return i.longValue();
        }
        return json;
    }
}

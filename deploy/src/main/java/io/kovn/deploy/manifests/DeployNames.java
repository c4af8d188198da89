package io.kovn.deploy.manifests;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names the manifests give kovn's objects. The service accounts are the ones the admission policy
 * (annotation-policy.yaml) lets write {@code k8s.ovn.org/} annotations; a test keeps the two in agreement.
 */
public final class DeployNames {
    public static final String NAMESPACE = "kovn-system";
    public static final String CONTROLLER = "kovn-controller";
    public static final String NODE = "kovn-node";
    public static final String OVN_DB = "kovn-ovn-db";
    public static final String CONFIG_MAP = "kovn-config";
    /** The controller's and the node agent's config files, keys of the ConfigMap and file names under /etc/kovn. */
    public static final String CONTROLLER_CONFIG = "controller.yaml";
    public static final String NODE_CONFIG = "node.yaml";
    public static final String CONFIG_DIR = "/etc/kovn";
    /** Where the image keeps kovn (bin/kovn, bin/kovn-cni and the jars, laid out as in a checkout). */
    public static final String KOVN_HOME = "/opt/kovn";

    private DeployNames() {
    }

    /** The labels of one component's objects; the first two also select its pods. */
    public static Map<String, String> labels(String component) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("app.kubernetes.io/name", "kovn");
        m.put("app.kubernetes.io/component", component);
        return m;
    }

    /** The service account name as the API server reports it to admission. */
    public static String serviceAccountUser(String account) {
        return "system:serviceaccount:" + NAMESPACE + ":" + account;
    }
}

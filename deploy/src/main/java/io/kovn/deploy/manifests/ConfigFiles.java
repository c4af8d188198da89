package io.kovn.deploy.manifests;

import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.ConfigFile;
import io.kovn.ovn.config.Option;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The controller's and the node agent's config files, as the ConfigMap holds them: written with the programs'
 * own option declarations ({@link ConfigFile#text}), so a key the program does not know cannot appear. Values a
 * pod learns only at start (its node name, the OVN databases' addresses) come from the environment
 * ({@code KOVN_*}, set in the pod specs), which the programs read after the file. With {@code --tls} the
 * controller signs the nodes' CSRs with the CA Secret and each node agent enrols its chassis certificate.
 */
final class ConfigFiles {
    private ConfigFiles() {
    }

    static String controller(ManifestSettings s) {
        Map<Option<?>, String> v = new LinkedHashMap<>();
        v.put(ControllerOptions.CLUSTER_SUBNET, s.clusterSubnet().toString());
        v.put(ControllerOptions.NODE_SUBNET_PREFIX, Integer.toString(s.nodeSubnetPrefix()));
        v.put(ControllerOptions.SERVICE_CIDR, s.serviceCidr().toString());
        v.put(ControllerOptions.LEADER_ELECTION, "true");
        v.put(ControllerOptions.LEASE_NAMESPACE, DeployNames.NAMESPACE);
        v.put(ControllerOptions.METRICS_PORT, Integer.toString(Ports.CONTROLLER_METRICS));
        if (s.tls()) {
            v.put(ControllerOptions.NB.privateKey(), Pki.CLIENT_DIR + "/tls.key");
            v.put(ControllerOptions.NB.certificate(), Pki.CLIENT_DIR + "/tls.crt");
            v.put(ControllerOptions.NB.caCert(), Pki.CLIENT_DIR + "/ca.crt");
            v.put(ControllerOptions.CA_SECRET, Pki.CA_SECRET);
            v.put(ControllerOptions.PKI_NAMESPACE, DeployNames.NAMESPACE);
        }
        return ConfigFile.text(ControllerOptions.SET, v);
    }

    static String node(ManifestSettings s) {
        Map<Option<?>, String> v = new LinkedHashMap<>();
        v.put(NodeOptions.CLUSTER_SUBNET, s.clusterSubnet().toString());
        v.put(NodeOptions.SERVICE_CIDR, s.serviceCidr().toString());
        v.put(NodeOptions.MTU, Integer.toString(s.mtu()));
        v.put(NodeOptions.DATAPATH_TYPE, "system");
        v.put(NodeOptions.OVSDB, "unix:" + NodePaths.OVS_RUN + "/db.sock");
        v.put(NodeOptions.CNI_CONF_DIR, NodePaths.CNI_CONF);
        v.put(NodeOptions.CNI_BIN_DIR, NodePaths.CNI_BIN);
        v.put(NodeOptions.CNI_SOCKET, NodePaths.KOVN_RUN + "/cni-server.sock");
        v.put(NodeOptions.INSTALL_PLUGIN, "true");
        v.put(NodeOptions.CNI_PLUGIN_SOURCE, DeployNames.KOVN_HOME);
        v.put(NodeOptions.SYSTEM_ID_FILE, NodePaths.OVS_ETC + "/system-id.conf");
        v.put(NodeOptions.METRICS_PORT, Integer.toString(Ports.NODE_METRICS));
        if (s.tls()) {
            v.put(NodeOptions.ENROLL_CERTIFICATE, "true");
            v.put(NodeOptions.PKI_DIR, NodePaths.KOVN_PKI);
            v.put(NodeOptions.PKI_NAMESPACE, DeployNames.NAMESPACE);
        }
        return ConfigFile.text(NodeOptions.SET, v);
    }
}

package io.kovn.deploy.manifests;

import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OptionSet;
import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@code kovn manifests}. The networks and the MTU are the controller's and the node agent's own
 * options (same names, defaults and checks), so what a user passes here is what those programs will read.
 */
public final class ManifestOptions {
    public static final Option<String> IMAGE = Option.string("image",
            "the kovn image every container runs (scripts/build-image.sh builds it)").defaultValue("localhost/kovn:dev");
    public static final Option<Boolean> HA = Option.bool("ha",
            "three OVN database members in RAFT clusters instead of one").defaultValue("false");
    public static final Option<Boolean> TLS = Option.bool("tls",
            "OVN databases on ssl: remotes with certificates from Secrets, and the node certificate flow's RBAC")
            .defaultValue("false");
    public static final Option<Path> OUTPUT = Option.path("output",
            "directory to write kovn[-ha][-tls].yaml into").defaultHelp("standard output");

    public static final OptionSet SET = OptionSet.of("manifests",
            "Write the Kubernetes manifests that run kovn on a cluster (namespace kovn-system): RBAC, the config "
                    + "files, the OVN databases, the controller, the node DaemonSet and the admission policy.",
            List.of(IMAGE, ControllerOptions.CLUSTER_SUBNET, ControllerOptions.NODE_SUBNET_PREFIX,
                    ControllerOptions.SERVICE_CIDR, NodeOptions.MTU, HA, TLS, OUTPUT));

    private ManifestOptions() {
    }

    /** The settings from a resolved {@link #SET}. */
    public static ManifestSettings settings(Configuration c) {
        return new ManifestSettings(c.get(IMAGE), c.get(ControllerOptions.CLUSTER_SUBNET),
                c.get(ControllerOptions.NODE_SUBNET_PREFIX), c.get(ControllerOptions.SERVICE_CIDR), c.get(NodeOptions.MTU),
                c.get(HA), c.get(TLS));
    }
}

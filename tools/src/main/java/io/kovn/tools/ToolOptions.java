package io.kovn.tools;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.controller.ControllerOptions;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.Option;
import io.kovn.ovn.config.OvsdbRemoteOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the tools share with the controller's options (the same {@code --kubeconfig} and {@code --nb-*} flags)
 * and the Southbound connection and OVS run directory of {@code kovn trace}; and the JSON writer of their {@code --json} output.
 */
public final class ToolOptions {
    public static final OvsdbRemoteOptions SB = OvsdbRemoteOptions.of("sb", "OVN Southbound database").required();
    /** Where {@code kovn trace --node} finds the source node's OVS (control socket, db.sock). */
    public static final Option<Path> OVS_RUNDIR = Option.path("ovs-rundir", "with --node: the OVS run "
            + "directory of the source's node (ovs-vswitchd's control socket, db.sock)")
            .defaultValue("/var/run/openvswitch");
    public static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private ToolOptions() {
    }

    /** A client of the API {@code --kubeconfig} names, else the in-cluster service account or ~/.kube/config. */
    public static KubernetesClient kube(Configuration c) throws IOException {
        Path kubeconfig = c.get(ControllerOptions.KUBECONFIG);
        Config config = kubeconfig == null ? Config.autoConfigure(null)
                : Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8));
        config.setRequestTimeout(10_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}

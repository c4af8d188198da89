package io.kovn.deploy.host;

import io.kovn.node.NodeJvm;
import java.nio.file.Path;

/**
 * The systemd units of a host install. The controller needs no capability (a Kubernetes client and an OVSDB
 * client); the node agent changes interfaces, routes and OVS and enters pods' network namespaces, so it keeps
 * NET_ADMIN, SYS_ADMIN (setns) and the capabilities of the tools it runs. Both restart on failure; the agent
 * starts after Open vSwitch and ovn-controller (Debian's openvswitch-switch and ovn-host), with the agent's JVM
 * options ({@link NodeJvm}).
 */
public final class SystemdUnits {
    public static final String CONTROLLER = "kovn-controller.service";
    public static final String NODE = "kovn-node.service";

    private SystemdUnits() {
    }

    public static String controller(Path kovn, Path config) {
        return """
                [Unit]
                Description=kovn controller: Kubernetes objects into the OVN Northbound database
                Documentation=man:ovn-architecture(7)
                After=network-online.target ovn-central.service
                Wants=network-online.target

                [Service]
                Type=simple
                ExecStart=%s controller --config %s
                Restart=on-failure
                RestartSec=5
                NoNewPrivileges=yes
                CapabilityBoundingSet=
                ProtectSystem=strict
                ProtectHome=read-only
                PrivateTmp=yes
                PrivateDevices=yes

                [Install]
                WantedBy=multi-user.target
                """.formatted(kovn, config);
    }

    public static String node(Path kovn, Path config) {
        return """
                [Unit]
                Description=kovn node agent: OVS and OVN on this node, the CNI server, the plugin and its config
                Documentation=man:ovn-controller(8)
                After=network-online.target openvswitch-switch.service ovn-host.service
                Wants=network-online.target ovn-host.service
                Requires=openvswitch-switch.service

                [Service]
                Type=simple
                Environment="KOVN_JAVA_OPTS=%s"
                ExecStart=%s node --config %s
                Restart=on-failure
                RestartSec=5
                CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_ADMIN CAP_DAC_OVERRIDE CAP_CHOWN CAP_FOWNER
                PrivateTmp=yes

                [Install]
                WantedBy=multi-user.target
                """.formatted(NodeJvm.javaOpts(), kovn, config);
    }
}

package io.kovn.cli;

import io.kovn.controller.ControllerOptions;
import io.kovn.controller.MasterInitCommand;
import io.kovn.deploy.host.HostInstallOptions;
import io.kovn.deploy.manifests.ManifestOptions;
import io.kovn.node.MinionInitCommand;
import io.kovn.node.NodeOptions;
import io.kovn.node.gateway.GatewayInitOptions;
import io.kovn.ovn.config.OptionSet;
import io.kovn.tools.audit.AuditCommand;
import io.kovn.tools.topology.TopologyCommand;
import io.kovn.tools.trace.TraceCommand;
import java.util.List;

/** Every program kovn runs with an options model, in the order docs/configuration.md lists them. */
final class Programs {
    static final List<OptionSet> ALL = List.of(ControllerOptions.SET, NodeOptions.SET, MasterInitCommand.SET,
            MinionInitCommand.SET, GatewayInitOptions.SET, ManifestOptions.SET,
            HostInstallOptions.SET, TraceCommand.SET, AuditCommand.SET, TopologyCommand.SET);

    private Programs() {
    }
}

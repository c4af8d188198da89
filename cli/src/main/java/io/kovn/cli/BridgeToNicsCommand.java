package io.kovn.cli;

import io.kovn.node.gateway.NicBridge;
import io.kovn.node.host.HostCommands;
import io.kovn.node.ovs.LocalOvs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kovn bridge-to-nics breth0}: undoes nics-to-bridge. */
@Command(name = "bridge-to-nics", mixinStandardHelpOptions = true,
        description = "Move the bridge's IPv4 addresses and routes back onto its NIC and remove the bridge. "
                + "Idempotent; a failed step puts everything back.")
final class BridgeToNicsCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "BRIDGE", description = "the bridge(s), e.g. breth0")
    List<String> bridges;

    @Option(names = "--ovsdb", defaultValue = "unix:/var/run/openvswitch/db.sock",
            description = "the local Open_vSwitch database (default ${DEFAULT-VALUE})")
    String ovsdb;

    @Option(names = "--host-netns", hidden = true, description = "run ip and sysctl in this network namespace (sandbox)")
    Path hostNetns;

    @Override
    public Integer call() {
        try (LocalOvs ovs = LocalOvs.connect(ovsdb, Duration.ofSeconds(30))) {
            NicBridge nicBridge = new NicBridge(ovs, new HostCommands(hostNetns));
            for (String bridge : bridges) {
                NicBridge.Outcome o = nicBridge.toNics(bridge);
                System.out.println(o.changed() ? "bridge-to-nics: " + bridge + " -> " + o.nic() + ": moved "
                        + o.moved().addresses().size() + " addresses, " + o.moved().routes().size() + " routes; bridge removed"
                        : "bridge-to-nics: there is no bridge " + bridge + ", nothing to do");
            }
        }
        return 0;
    }
}

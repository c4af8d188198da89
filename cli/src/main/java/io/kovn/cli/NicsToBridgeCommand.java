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

/** {@code kovn nics-to-bridge eth0}: the NIC's addresses and routes move onto a new OVS bridge breth0. */
@Command(name = "nics-to-bridge", mixinStandardHelpOptions = true,
        description = "Make OVS bridge br<IFACE> with the NIC as its port (same MAC and MTU) and move the NIC's IPv4 "
                + "addresses and routes onto it, for a shared gateway (--bridge-interface br<IFACE>). Idempotent; a "
                + "failed step puts everything back. Restart DHCP clients on the bridge afterwards.")
final class NicsToBridgeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IFACE", description = "the NIC(s), e.g. eth0")
    List<String> nics;

    @Option(names = "--ovsdb", defaultValue = "unix:/var/run/openvswitch/db.sock",
            description = "the local Open_vSwitch database (default ${DEFAULT-VALUE})")
    String ovsdb;

    @Option(names = "--datapath-type", defaultValue = "system", description = "system or netdev (default ${DEFAULT-VALUE})")
    String datapathType;

    @Option(names = "--host-netns", hidden = true, description = "run ip and sysctl in this network namespace (sandbox)")
    Path hostNetns;

    @Override
    public Integer call() {
        try (LocalOvs ovs = LocalOvs.connect(ovsdb, Duration.ofSeconds(30))) {
            NicBridge bridges = new NicBridge(ovs, new HostCommands(hostNetns));
            for (String nic : nics) {
                NicBridge.Outcome o = bridges.toBridge(nic, datapathType);
                System.out.println(o.changed() ? "nics-to-bridge: " + nic + " -> " + o.bridge() + ": moved "
                        + o.moved().addresses().size() + " addresses, " + o.moved().routes().size() + " routes"
                        : "nics-to-bridge: " + nic + " is already on " + o.bridge() + ", nothing to do");
            }
        }
        return 0;
    }
}

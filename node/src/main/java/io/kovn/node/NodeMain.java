package io.kovn.node;

import io.kovn.node.ovs.LocalOvs;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.OptionSet;
import io.kovn.ovn.config.ProgramCommand;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code kovn node}: the command {@code kovn} mounts and the main class of the agent's own JVM (the sandbox's),
 * one parser for both.
 */
public final class NodeMain {
    private static final Logger log = LoggerFactory.getLogger(NodeMain.class);
    private static final Duration OVS_READ_TIMEOUT = Duration.ofSeconds(10);

    private NodeMain() {
    }

    public static void main(String[] args) {
        System.exit(command().execute(args));
    }

    public static CommandLine command() {
        return ProgramCommand.commandLine(NodeOptions.SET, System.getenv(), resolver(NodeOptions.SET), NodeMain::run);
    }

    /**
     * Resolves {@code set} twice: once to learn the local Open_vSwitch database, then with its external_ids as the
     * defaults they stand for. An unreachable database leaves them out (the agent reports it when it connects).
     */
    public static ProgramCommand.Resolver resolver(OptionSet set) {
        return sources -> {
            Configuration first = sources.resolve(set);
            return sources.withOvs(externalIds(first.get(NodeOptions.OVSDB))).resolve(set);
        };
    }

    private static Map<String, String> externalIds(String remote) {
        try (LocalOvs ovs = LocalOvs.connect(remote, OVS_READ_TIMEOUT)) {
            return ovs.externalIds();
        } catch (RuntimeException e) {
            log.warn("cannot read the external_ids of {} ({}): they give no defaults", remote, e.getMessage());
            return Map.of();
        }
    }

    private static int run(Configuration c) throws Exception {
        NodeAgentConfig config = NodeOptions.config(c);
        log.info("kovn node, effective configuration:\n  {}", String.join("\n  ", c.describe()));
        CountDownLatch stop = new CountDownLatch(1);
        try (NodeAgent agent = new NodeAgent(config)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            agent.start();
            log.info("node agent started in {} mode", config.mode().flagValue());
            stop.await();
        }
        return 0;
    }
}

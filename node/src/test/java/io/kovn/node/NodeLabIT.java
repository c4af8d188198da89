package io.kovn.node;

import io.kovn.node.lab.NodeLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;

/**
 * The common start of the node agent's integration tests: one node lab per class (central OVN, node1 in a
 * namespace with its own OVS and ovn-controller, the mock API, the agent) and pod helpers on it.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NodeLabIT {
    protected NodeLab lab;
    protected LabPods pods;

    /** The agent's settings for this class; the lab's defaults unless overridden. */
    void configure(NodeAgentConfig.Builder b) {
    }

    @BeforeAll
    void startLab() {
        lab = NodeLab.start("node1", this::configure);
        pods = new LabPods(lab);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }
}

package io.kovn.node.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Node condition kovn.io/CNIReady says what the agent's CNI STATUS answers. */
class NodeCniConditionTest {

    @Test
    void theNodeConditionSaysWhatStatusAnswers() {
        assertThat(NodeCniCondition.State.of(List.of())).isEqualTo(new NodeCniCondition.State(true,
                NodeCniCondition.OK, "CNI STATUS: the kovn node agent can set up pods"));
        assertThat(NodeCniCondition.State.of(List.of("local OVSDB: not connected", "pods informer: not synced")))
                .isEqualTo(new NodeCniCondition.State(false, NodeCniCondition.FAILED, "CNI STATUS: the kovn node agent "
                        + "cannot set up pods now: local OVSDB: not connected; pods informer: not synced"));
    }
}

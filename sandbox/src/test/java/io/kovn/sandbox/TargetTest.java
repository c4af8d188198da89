package io.kovn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetTest {

    @Test
    void parsesEveryForm() {
        assertThat(Target.parse(List.of("nb-leader"))).isEqualTo(new Target(Target.Kind.NB_LEADER, null));
        assertThat(Target.parse(List.of("sb-member", "3"))).isEqualTo(new Target(Target.Kind.SB_MEMBER, "3"));
        assertThat(Target.parse(List.of("northd-active")).kind()).isEqualTo(Target.Kind.NORTHD_ACTIVE);
        assertThat(Target.parse(List.of("controller", "2")).number()).isEqualTo(2);
        assertThat(Target.parse(List.of("node-agent", "node12")).toString()).isEqualTo("node-agent node12");
        assertThat(Target.parse(List.of("ovn-controller", "node1")).arg()).isEqualTo("node1");
    }

    @Test
    void refusesWhatIsNotATarget() {
        assertThatThrownBy(() -> Target.parse(List.of())).hasMessageContaining("nb-leader");
        assertThatThrownBy(() -> Target.parse(List.of("etcd-leader"))).hasMessageContaining("unknown target 'etcd-leader'");
        assertThatThrownBy(() -> Target.parse(List.of("nb-leader", "1"))).hasMessage("usage: nb-leader");
        assertThatThrownBy(() -> Target.parse(List.of("nb-member"))).hasMessage("usage: nb-member N");
        assertThatThrownBy(() -> Target.parse(List.of("nb-member", "0"))).hasMessageContaining("member number");
        assertThatThrownBy(() -> Target.parse(List.of("node-agent", "../../etc"))).hasMessageContaining("node name");
        assertThatThrownBy(() -> Target.parse(List.of("node-agent", "node1;rm\u0007")))
                .hasMessageContaining("'node1;rm?'");
    }
}

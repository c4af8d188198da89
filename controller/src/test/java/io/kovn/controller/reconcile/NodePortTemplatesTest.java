package io.kovn.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.controller.ObjectKey;
import org.junit.jupiter.api.Test;

/** The template variable names: unambiguous, mapped back to their service, and only from valid names. */
class NodePortTemplatesTest {

    @Test
    void aLocalBackendsVariableNamesItsServiceAndPort() {
        ObjectKey web = ObjectKey.service("team-a", "web-x");
        String v = NodePortTemplates.localBackends(web, "tcp", 30080);
        assertThat(v).isEqualTo("ETP_LOCAL.team_a.web_x.TCP.30080");
        assertThat(NodePortTemplates.serviceOf(v)).contains(web);
        assertThat(v).startsWith(NodePortTemplates.prefix(web));
        // web-x's variables do not begin with web's prefix, nor the other way round
        assertThat(v).doesNotStartWith(NodePortTemplates.prefix(ObjectKey.service("team-a", "web")));
        assertThat(NodePortTemplates.serviceOf(NodePortTemplates.NODE_IP)).isEmpty();
        assertThat(NodePortTemplates.serviceOf("ETP_LOCAL.a.b")).isEmpty();
    }

    @Test
    void namesOutsideKubernetesRulesAndOddPortsAreRefused() {
        assertThatThrownBy(() -> NodePortTemplates.localBackends(ObjectKey.service("ns", "web,1.2.3.4:80"), "TCP", 30080))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NodePortTemplates.localBackends(ObjectKey.service("ns", "Web"), "TCP", 30080))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NodePortTemplates.localBackends(ObjectKey.service("ns", "web"), "ICMP", 30080))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NodePortTemplates.localBackends(ObjectKey.service("ns", "web"), "TCP", 70000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package io.kovn.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The identity of a shared peer address set: the same pods, however written, are one set; other pods another. */
class PolicyPeersTest {

    private static NetworkPolicyPeer pods(String... labels) {
        LabelSelectorBuilder s = new LabelSelectorBuilder();
        for (int i = 0; i < labels.length; i += 2) {
            s.addToMatchLabels(labels[i], labels[i + 1]);
        }
        return new NetworkPolicyPeerBuilder().withPodSelector(s.build()).build();
    }

    @Test
    void theSameSelectorWrittenInAnotherOrderIsTheSamePeer() {
        NetworkPolicyPeer ab = pods("app", "web", "tier", "frontend");
        NetworkPolicyPeer ba = pods("tier", "frontend", "app", "web");
        assertThat(PolicyPeers.Shared.of("x", ab).id()).isEqualTo(PolicyPeers.Shared.of("x", ba).id());
        NetworkPolicyPeer in1 = new NetworkPolicyPeerBuilder().withNewPodSelector().addNewMatchExpression().withKey("app")
                .withOperator("In").withValues("a", "b").endMatchExpression().addNewMatchExpression().withKey("tier")
                .withOperator("Exists").endMatchExpression().endPodSelector().build();
        NetworkPolicyPeer in2 = new NetworkPolicyPeerBuilder().withNewPodSelector().addNewMatchExpression().withKey("tier")
                .withOperator("Exists").endMatchExpression().addNewMatchExpression().withKey("app")
                .withOperator("In").withValues("b", "a").endMatchExpression().endPodSelector().build();
        assertThat(PolicyPeers.Shared.of("x", in1).id()).isEqualTo(PolicyPeers.Shared.of("x", in2).id());
    }

    @Test
    void otherPodsAreAnotherPeer() {
        NetworkPolicyPeer web = pods("app", "web");
        assertThat(PolicyPeers.Shared.of("x", web).id()).as("another namespace")
                .isNotEqualTo(PolicyPeers.Shared.of("y", web).id());
        assertThat(PolicyPeers.Shared.of("x", web).id()).isNotEqualTo(PolicyPeers.Shared.of("x", pods("app", "db")).id());
        NetworkPolicyPeer anyNamespace = new NetworkPolicyPeerBuilder(web).withNewNamespaceSelector().endNamespaceSelector().build();
        assertThat(PolicyPeers.Shared.of("x", anyNamespace).id()).as("the same pods of every namespace")
                .isNotEqualTo(PolicyPeers.Shared.of("x", web).id())
                .isEqualTo(PolicyPeers.Shared.of("y", anyNamespace).id());
        // label text cannot make two selectors read the same: "a=b,c" and "a" = "b,c" differ
        assertThat(PolicyPeers.Shared.of("x", pods("a", "b\",\"c")).id()).isNotEqualTo(PolicyPeers.Shared.of("x", pods("a\",\"b", "c")).id());
    }

    @Test
    void aPolicySharesItsSelectorPeersOnceEachAndNotItsBlocksOrWholeNamespaces() {
        NetworkPolicy np = new NetworkPolicyBuilder().withNewMetadata().withNamespace("x").withName("p").endMetadata()
                .withNewSpec().addNewIngress().withFrom(pods("app", "web"), pods("app", "web")).endIngress()
                .addNewIngress().addNewFrom().withNewIpBlock().withCidr("10.0.0.0/8").endIpBlock().endFrom()
                .addNewFrom().withNewNamespaceSelector().addToMatchLabels("team", "a").endNamespaceSelector().endFrom()
                .endIngress().addNewEgress().withTo(pods("app", "db")).endEgress().endSpec().build();
        List<PolicyPeers.Shared> shared = PolicyPeers.shared(np);
        assertThat(shared).extracting(PolicyPeers.Shared::description).containsExactly(
                "[\"pods\",\"x\",[[[\"app\",\"web\"]],[]]]", "[\"pods\",\"x\",[[[\"app\",\"db\"]],[]]]");
    }
}

package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.sandbox.UnderlaySandbox;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link UnderlayE2ETest}'s cases on the Neutron cloud ({@code kovn sandbox up --mode underlay --neutron}): a real
 * neutron-server made the cloud's network, and the controller's Neutron back end makes the pod networks, pools
 * (child ports with binding:profile parent_name/tag) and security groups through its API. The profile is a Neutron
 * security group; every child port in NB is Neutron's. Services are not balanced by the Neutron back end, so the
 * ClusterIP case does not run. It runs in its own JVM (the sandbox module's {@code neutron-e2e} execution, or
 * {@code -Dkovn.e2e.neutron=true}), whose shared underlay sandbox is then the Neutron one.
 */
@Tag("neutron")
@EnabledIfSystemProperty(named = SharedUnderlaySandbox.NEUTRON, matches = "true")
class UnderlayNeutronE2ETest extends UnderlayE2ETest {
    @Override
    void childPortsAreThePools() {
        UnderlaySandbox s = SharedUnderlaySandbox.sandbox();
        assertThat(s.neutron()).isTrue();
        assertThat(s.nbctl("--bare", "--columns=name", "find", "logical_switch_port", "parent_name!=[]",
                "external_ids:\"neutron:device_owner\"!=\"kovn:underlay-pool\"")).as("every child port is a pool port "
                + "Neutron made").isEmpty();
        assertThat(s.nbctl("--bare", "--columns=name", "find", "logical_switch_port",
                "external_ids:\"kovn.io/owner\"!=[]")).as("kovn wrote no NB port itself").isEmpty();
    }

    @Override
    void defineWebOnlyProfile() {
        SharedUnderlaySandbox.sandbox().neutronSecurityGroup("web-only", Pods.TCP);
    }

    /** Not a case here: the Neutron back end balances no Services (docs/underlay.md). */
    @Override
    void aPodReachesAServiceByItsClusterIpThroughTheMasterOnlyLoadBalancer() {
        throw new UnsupportedOperationException("the Neutron back end balances no Services");
    }
}

package io.kovn.controller;

import io.kovn.testing.OvnDaemons;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The common start of the controller's integration tests: the test's OVN (from {@code @WithOvn} on the subclass),
 * a fresh mock API with nodes node-a (192.168.50.11) and node-b (192.168.50.12), and a running controller. A
 * subclass's own {@code @BeforeAll} runs after this one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TwoNodeControllerIT {
    protected final OvnDaemons ovn;
    protected MockKube kube;
    protected KovnController controller;

    TwoNodeControllerIT(OvnDaemons ovn) {
        this.ovn = ovn;
    }

    @BeforeAll
    void startController() throws Exception {
        kube = new MockKube();
        controller = new KovnController(ControllerConfig.defaults(ovn.nbUnix()), kube.client);
        controller.start();
        kube.node("node-a", "192.168.50.11");
        kube.node("node-b", "192.168.50.12");
    }

    @AfterAll
    void stopController() {
        if (controller != null) {
            controller.close();
        }
        if (kube != null) {
            kube.close();
        }
    }
}

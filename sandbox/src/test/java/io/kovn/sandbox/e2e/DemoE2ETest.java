package io.kovn.sandbox.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.sandbox.Sandbox;
import io.kovn.sandbox.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/** {@code kovn sandbox demo}: the connectivity matrix's required cells pass with real traffic. */
@Tag("integration")
@Tag("e2e")
@ResourceLock("kovn-sandbox")
@ExtendWith(SharedSandbox.class)
class DemoE2ETest {

    @Test
    void connectivityMatrix() {
        Sandbox s = SharedSandbox.sandbox();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.Report report = Demo.run(s.client(), s.state(), new Demo.Options("e2e-demo", 2, true),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        for (String required : new String[] {"pod -> pod, same node", "pod -> pod, across nodes", "pod -> service",
                "host -> pod", "host -> service"}) {
            Demo.Check c = report.check(required).orElseThrow();
            assertThat(c.applies()).as(required).isTrue();
            assertThat(c.ok()).as("%s in%n%s", required, out).isTrue();
        }
        // every node is a gateway: the external cell is real traffic, seen outside as the nodes' gateway addresses
        Demo.Check external = report.check("pod -> external").orElseThrow();
        assertThat(external.applies()).as("pod -> external in%n%s", out).isTrue();
        assertThat(external.ok()).as("pod -> external in%n%s", out).isTrue();
        assertThat(external.note()).startsWith("seen outside as 172.18.0.");
    }
}

package io.kovn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsAndPortsTest {

    @Test
    void optionsHaveDefaultsAndRefuseBadValues() {
        assertThat(new OvsdbBench.Options()).isEqualTo(new OvsdbBench.Options(2000, 500, false));
        assertThatThrownBy(() -> new OvsdbBench.Options(0, 10, false)).hasMessageContaining("--ports must be between 1");
        assertThatThrownBy(() -> new OvsdbBench.Options(50, 0, false)).hasMessageContaining("at least 1");
    }

    @Test
    void addressesAreUniquePodStyle() {
        assertThat(BenchPorts.address(0)).isEqualTo("0a:58:0a:f4:00:01 10.244.0.1");
        assertThat(BenchPorts.address(253)).isEqualTo("0a:58:0a:f4:00:fe 10.244.0.254");
        assertThat(BenchPorts.address(254)).isEqualTo("0a:58:0a:f4:01:01 10.244.1.1");
        assertThat(BenchPorts.address(BenchPorts.MAX_PORTS - 1)).isEqualTo("0a:58:0a:f4:ff:fe 10.244.255.254");
    }

    @Test
    void splitsTheFloorCommandLineOnlyWhenItDoesNotFit() {
        List<String> prefix = List.of("ovn-nbctl", "--db=unix:/tmp/nb.sock");
        assertThat(NbctlVariants.chunk(prefix, 2000, 2 * 1024 * 1024)).hasSize(1);

        long onePort = NbctlVariants.argvBytes(BenchPorts.nbctlCommands(9)) + 8;
        List<List<String>> calls = NbctlVariants.chunk(prefix, 100, NbctlVariants.argvBytes(prefix) + 10 * onePort);
        assertThat(calls).hasSizeGreaterThan(9);
        List<String> ports = new ArrayList<>();
        for (List<String> call : calls) {
            assertThat(call.subList(0, 2)).isEqualTo(prefix);
            assertThat(call.get(2)).isEqualTo("lsp-add");
            assertThat(call.get(call.size() - 1)).isEqualTo("external_ids:kovn=bench");
            for (int i = 0; i < call.size(); i++) {
                if (call.get(i).equals("lsp-add")) {
                    ports.add(call.get(i + 2));
                }
            }
        }
        assertThat(ports).hasSize(100).doesNotHaveDuplicates().contains("p0", "p99");
    }
}

package io.kovn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import tools.jackson.databind.JsonNode;

/**
 * Runs alone ({@link Isolated}): it checks at the end that every ovsdb-server this JVM started is gone, which the
 * test classes run beside it (their own NB servers) would otherwise make fail.
 */
@Tag("integration")
@Isolated
class OvsdbBenchTest {

    @Test
    void smallRunReportsEveryVariantAndCreatesAllPorts() {
        OvsdbBench.Result r = OvsdbBench.run(new OvsdbBench.Options(50, 10, true), System.err);

        JsonNode json = OvsdbJson.MAPPER.readTree(r.toJson());
        assertThat(json.path("ports").asInt()).isEqualTo(50);
        assertThat(json.path("batch").asInt()).isEqualTo(10);
        assertThat(json.path("speedup_vs_nbctl").isNumber()).isTrue();
        assertThat(json.path("speedup_vs_nbctl").asDouble()).isPositive();
        assertThat(json.path("batched_vs_floor").isNumber()).isTrue();
        assertThat(json.path("batched_vs_floor").asDouble()).isPositive();
        assertThat(json.path("speedup_vs_nbctl_met").isBoolean()).isTrue();
        assertThat(json.path("batched_vs_floor_met").isBoolean()).isTrue();
        assertThat(json.path("nbctl_per_port_measured_ports").asInt()).isEqualTo(50);
        assertThat(json.path("versions").path("ovsdb_server").asString()).isNotBlank();
        JsonNode variants = json.path("variants");
        for (String id : List.of(OvsdbBench.NBCTL_PER_PORT, OvsdbBench.PYTHON_IDL_PER_PORT,
                OvsdbBench.PYTHON_IDL_BATCHED, OvsdbBench.NBCTL_ONE_TXN, OvsdbBench.KOVN_PER_PORT,
                OvsdbBench.KOVN_BATCHED)) {
            JsonNode v = variants.path(id);
            assertThat(v.isObject()).as(id).isTrue();
            if (v.path("skipped").asBoolean()) {
                assertThat(id).startsWith("python");
                assertThat(v.path("reason").asString()).contains("python3-openvswitch");
                continue;
            }
            assertThat(v.path("total_ms").isNumber()).as(id).isTrue();
            assertThat(v.path("per_port_us").isNumber()).as(id).isTrue();
            assertThat(v.path("verified_ports").asInt()).as(id).isEqualTo(50);
        }
        assertThat(variants.path(OvsdbBench.KOVN_PER_PORT).path("transactions").asInt()).isEqualTo(50);
        assertThat(variants.path(OvsdbBench.KOVN_BATCHED).path("transactions").asInt()).isEqualTo(5);
        assertThat(variants.path(OvsdbBench.NBCTL_ONE_TXN).path("chunks").asInt()).isEqualTo(1);

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        r.printTable(new PrintStream(table, true, StandardCharsets.UTF_8));
        assertThat(table.toString(StandardCharsets.UTF_8)).contains("speedup_vs_nbctl", "batched_vs_floor", "kovn batched");

        // every NB server the benchmark started is stopped again
        assertThat(ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("ovsdb-server"))
                .filter(ProcessHandle::isAlive)).isEmpty();
    }
}

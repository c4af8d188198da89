package io.kovn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.bench.OvsdbBench.Variant;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ResultReportTest {

    private static Variant variant(String id, double totalMs, int measured) {
        return new Variant(id, id, totalMs, totalMs * 1000 / 2000, measured, measured != 2000, measured, measured,
                List.of(totalMs * measured / 2000), Map.of("chunks", 2), null);
    }

    private static final OvsdbBench.Result RESULT = new OvsdbBench.Result(new OvsdbBench.Options(2000, 500, true),
            List.of(variant(OvsdbBench.NBCTL_PER_PORT, 20_000, 500),
                    Variant.skipped(OvsdbBench.PYTHON_IDL_PER_PORT, "B python-idl-per-port", "python3-openvswitch is not installed"),
                    Variant.skipped(OvsdbBench.PYTHON_IDL_BATCHED, "B python-idl-batched", "python3-openvswitch is not installed"),
                    variant(OvsdbBench.NBCTL_ONE_TXN, 200, 2000),
                    variant(OvsdbBench.KOVN_PER_PORT, 4000, 2000),
                    variant(OvsdbBench.KOVN_BATCHED, 400, 2000)),
            Map.of("ovsdb_server", "3.1.0"), 10_000);

    @Test
    void ratiosAndTargets() {
        assertThat(RESULT.speedupVsNbctl()).isEqualTo(5.0);
        assertThat(RESULT.batchedVsFloor()).isEqualTo(2.0);
        assertThat(RESULT.targetsMet()).isFalse();
        assertThat(RESULT.nbctlPerPortMeasuredPorts()).isEqualTo(500);
    }

    @Test
    void jsonReportsSkippedVariantsWithNullTimes() {
        JsonNode json = OvsdbJson.MAPPER.readTree(RESULT.toJson());
        assertThat(json.path("speedup_vs_nbctl").asDouble()).isEqualTo(5.0);
        assertThat(json.path("speedup_vs_nbctl_met").asBoolean()).isFalse();
        assertThat(json.path("batched_vs_floor").asDouble()).isEqualTo(2.0);
        assertThat(json.path("nbctl_per_port_extrapolated").asBoolean()).isTrue();
        JsonNode python = json.path("variants").path(OvsdbBench.PYTHON_IDL_PER_PORT);
        assertThat(python.path("skipped").asBoolean()).isTrue();
        assertThat(python.path("reason").asString()).contains("python3-openvswitch");
        assertThat(python.path("total_ms").isNull()).isTrue();
        assertThat(json.path("variants").path(OvsdbBench.KOVN_BATCHED).path("total_ms").asDouble()).isEqualTo(400);
    }

    @Test
    void tableSaysWhatWasExtrapolatedSkippedAndSplit() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RESULT.printTable(new PrintStream(out, true, StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("first 500 of 2000 ports", "python-idl-per-port skipped: python3-openvswitch",
                "exceeds ARG_MAX", "NOT MET");
    }
}

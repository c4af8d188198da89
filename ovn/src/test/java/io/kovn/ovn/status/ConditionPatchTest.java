package io.kovn.ovn.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The status patches touch only their own condition, and carry hostile text as JSON strings. */
class ConditionPatchTest {
    private static final String T = "2026-01-01T00:00:00Z";
    /** Creating the status or the list is guarded by the resourceVersion read: the kubelet may have written since. */
    private static final String RV = "{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"7\"},";

    @Test
    void addsTheStatusTheListOrAnEntryAndReplacesOnlyBehindATestOfItsIndex() {
        var c = ConditionPatch.condition("kovn.io/X", true, "R", "m", T);
        String cond = "{\"type\":\"kovn.io/X\",\"status\":\"True\",\"reason\":\"R\",\"message\":\"m\","
                + "\"lastTransitionTime\":\"" + T + "\"}";
        assertThat(ConditionPatch.set("7", false, null, c))
                .isEqualTo("[" + RV + "{\"op\":\"add\",\"path\":\"/status\",\"value\":{\"conditions\":[" + cond + "]}}]");
        assertThat(ConditionPatch.set("7", true, List.of(), c))
                .isEqualTo("[" + RV + "{\"op\":\"add\",\"path\":\"/status/conditions\",\"value\":[" + cond + "]}]");
        assertThat(ConditionPatch.set("7", true, List.of("Ready", "PodScheduled"), c))
                .isEqualTo("[{\"op\":\"add\",\"path\":\"/status/conditions/-\",\"value\":" + cond + "}]");
        assertThat(ConditionPatch.set("7", true, List.of("Ready", "kovn.io/X"), c))
                .isEqualTo("[{\"op\":\"test\",\"path\":\"/status/conditions/1/type\",\"value\":\"kovn.io/X\"},"
                        + "{\"op\":\"replace\",\"path\":\"/status/conditions/1\",\"value\":" + cond + "}]");
    }

    @Test
    void aMessageFromTheApiStaysOneString() {
        var c = ConditionPatch.condition("kovn.io/X", false, "R", "\"},{\"op\":\"remove\",\"path\":\"/status\"", T);
        String patch = ConditionPatch.set("7", true, List.of("Ready"), c);
        assertThat(patch).startsWith("[{\"op\":\"add\",\"path\":\"/status/conditions/-\"")
                .contains("\"message\":\"\\\"},{\\\"op\\\":\\\"remove\\\",\\\"path\\\":\\\"/status\\\"\"");
    }
}

package io.kovn.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Request bodies in Kubernetes' protobuf encoding, as kubectl 1.32 sends them, read into JSON. */
class ProtobufBodyTest {
    private static final ProtobufBody BODY = new ProtobufBody(ProtoSchema.load());

    @Test
    void readsTheNamespaceKubectlCreateNamespaceSends() {
        // captured from kubectl 1.32.4 create namespace foo -v=8
        byte[] body = HexFormat.of().parseHex("6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a"
                + "00320038004200120" + "01a020a001a002200");
        assertThat(BODY.toJson(body).toString()).isEqualTo("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                + "\"metadata\":{\"name\":\"foo\",\"generation\":0},\"spec\":{},\"status\":{}}");
    }

    @Test
    void readsMapsRepeatedMessagesAndIntOrStrings() {
        // a Service: metadata{name: s, labels{app: x}}, spec{ports[{port: 80, targetPort: "http"}], selector{app: x}}
        byte[] labels = entry("app", "x");
        byte[] objectMeta = concat(field(1, "s".getBytes()), field(11, labels));
        byte[] targetPort = concat(new byte[] {0x08, 0x01}, field(3, "http".getBytes()));
        byte[] port = concat(new byte[] {0x18, (byte) 80}, field(4, targetPort));
        byte[] spec = concat(field(1, port), field(2, labels));
        byte[] service = concat(field(1, objectMeta), field(2, spec));
        byte[] typeMeta = concat(field(1, "v1".getBytes()), field(2, "Service".getBytes()));
        byte[] body = concat("k8s\0".getBytes(), field(1, typeMeta), field(2, service));
        assertThat(BODY.toJson(body).toString()).isEqualTo("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
                + "{\"name\":\"s\",\"labels\":{\"app\":\"x\"}},\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":\"http\"}],"
                + "\"selector\":{\"app\":\"x\"}}}");
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> BODY.toJson("{}".getBytes())).hasMessageContaining("k8s");
        byte[] truncated = HexFormat.of().parseHex("6b3873000a0f0a027631");
        assertThatThrownBy(() -> BODY.toJson(truncated)).isInstanceOf(IllegalArgumentException.class);
        byte[] typeMeta = concat(field(1, "v1".getBytes()), field(2, "Secretive".getBytes()));
        assertThatThrownBy(() -> BODY.toJson(concat("k8s\0".getBytes(), field(1, typeMeta), field(2, new byte[0]))))
                .hasMessageContaining("no protobuf schema for v1 Secretive");
    }

    private static byte[] entry(String k, String v) {
        return concat(field(1, k.getBytes()), field(2, v.getBytes()));
    }

    private static byte[] field(int number, byte[] value) {
        return concat(new byte[] {(byte) (number << 3 | 2), (byte) value.length}, value);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

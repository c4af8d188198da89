package io.kovn.controller.underlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kovn.controller.underlay.NeutronObjects.Port;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Neutron's answers are the cloud's: a port list is typed as a whole, or refused naming what is wrong. */
class NeutronObjectsTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ID = "5e86d344-d6f1-45a3-baba-53b50ba458a8";
    private static final String NET = "8978f33e-ca8c-435a-b933-8f44ec99be15";

    private static JsonNode ports(String port) {
        return JSON.readTree("{\"ports\": [" + port + "]}");
    }

    private static String port(String profile, String mac, String ip) {
        return "{\"id\": \"" + ID + "\", \"name\": \"kup-x-1\", \"description\": \"d\", \"network_id\": \"" + NET + "\","
                + " \"mac_address\": \"" + mac + "\", \"fixed_ips\": [{\"subnet_id\": \"" + NET + "\", \"ip_address\": \""
                + ip + "\"}, {\"subnet_id\": \"" + NET + "\", \"ip_address\": \"fd00::5\"}], \"binding:profile\": "
                + profile + ", \"security_groups\": [], \"device_owner\": \"kovn:underlay-pool\","
                + " \"created_at\": \"2026-11-30T02:58:00Z\"}";
    }

    @Test
    void aChildPortIsTypedWithItsParentTagAndIpv4Address() {
        List<Port> p = NeutronObjects.list(ports(port("{\"parent_name\": \"vm1\", \"tag\": 7}", "fa:16:3e:3b:ca:00",
                "10.128.0.9")), "ports", 10, Port::parse);
        assertThat(p).hasSize(1);
        assertThat(p.get(0).parent()).contains("vm1");
        assertThat(p.get(0).tag()).contains(7);
        assertThat(p.get(0).fixedIps()).extracting(f -> f.ip().toString()).containsExactly("10.128.0.9");
        assertThat(p.get(0).mac().toString()).isEqualTo("fa:16:3e:3b:ca:00");
    }

    @Test
    void hostileAnswersAreRefusedAsAWhole() {
        assertThatThrownBy(() -> NeutronObjects.list(ports(port("{\"parent_name\": \"vm1\", \"tag\": \"7; rm\"}",
                "fa:16:3e:3b:ca:00", "10.128.0.9")), "ports", 10, Port::parse)).hasMessageContaining("tag");
        assertThatThrownBy(() -> NeutronObjects.list(ports(port("{}", "not-a-mac", "10.128.0.9")), "ports", 10,
                Port::parse)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NeutronObjects.list(ports(port("{}", "fa:16:3e:3b:ca:00", "10.128.0.999")), "ports",
                10, Port::parse)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NeutronObjects.list(ports(port("[]", "fa:16:3e:3b:ca:00", "10.128.0.9")
                .replace(ID, "../../etc")), "ports", 10, Port::parse)).hasMessageContaining("not a UUID");
        assertThatThrownBy(() -> NeutronObjects.list(JSON.readTree("{\"ports\": {}}"), "ports", 10, Port::parse))
                .hasMessageContaining("no list");
        assertThatThrownBy(() -> NeutronObjects.list(ports(port("{}", "fa:16:3e:3b:ca:00", "10.128.0.9") + ","
                + port("{}", "fa:16:3e:3b:ca:01", "10.128.0.8")), "ports", 1, Port::parse)).hasMessageContaining("more than 1");
    }
}

package io.kovn.ovsdb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RemoteTest {
    @Test
    void parsesOvsSyntax() {
        assertThat(Remote.parse("unix:/var/run/ovn/ovnnb_db.sock")).isEqualTo(
                new Remote(Remote.Kind.UNIX, Path.of("/var/run/ovn/ovnnb_db.sock"), null, 0));
        assertThat(Remote.parse("tcp:10.0.0.1:6641")).isEqualTo(new Remote(Remote.Kind.TCP, null, "10.0.0.1", 6641));
        assertThat(Remote.parse("ssl:[fd00::1]:6642")).isEqualTo(new Remote(Remote.Kind.SSL, null, "fd00::1", 6642));
        assertThat(Remote.parse("ssl:[fd00::1]:6642").toString()).isEqualTo("ssl:[fd00::1]:6642");
        assertThat(Remote.parseList("tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,")).hasSize(2);
    }

    @Test
    void rejectsBadRemotesWithAClearMessage() {
        assertThatThrownBy(() -> Remote.parse("10.0.0.1:6641")).hasMessageContaining("unknown scheme '10.0.0.1'");
        assertThatThrownBy(() -> Remote.parse("tcp:10.0.0.1")).hasMessageContaining("expected tcp:IP:PORT");
        assertThatThrownBy(() -> Remote.parse("tcp:10.0.0.1:99999")).hasMessageContaining("port out of range");
        assertThatThrownBy(() -> Remote.parse("unix:")).hasMessageContaining("empty socket path");
        assertThatThrownBy(() -> Remote.parseList(" , ")).hasMessageContaining("no OVSDB remote");
        assertThatThrownBy(() -> new OvsdbClient("ssl:127.0.0.1:6641")).hasMessageContaining("needs a private key");
    }
}

package io.kovn.node.pki;

import io.kovn.ovn.vswitch.OpenVSwitch;
import io.kovn.ovn.vswitch.SSL;
import io.kovn.ovsdb.client.TlsConfig;
import io.kovn.ovsdb.wire.Condition;
import io.kovn.ovsdb.wire.Operation;
import java.util.List;
import java.util.Optional;

/**
 * The local Open_vSwitch {@code SSL} row, where ovn-controller (and ovs-vswitchd) find their key, certificate
 * and CA for {@code ssl:} remotes: what {@code ovs-vsctl set-ssl KEY CERT CA} writes, as one transaction. The
 * previous row, no longer referenced, is removed by the server (SSL is not a root table).
 */
public final class OvsSslTable {
    private OvsSslTable() {
    }

    public static List<Operation> setOps(TlsConfig files) {
        Operation.Insert ssl = Operation.insert(SSL.TABLE).named("ssl")
                .set(SSL.PRIVATE_KEY, files.privateKey().toAbsolutePath().toString())
                .set(SSL.CERTIFICATE, files.certificate().toAbsolutePath().toString())
                .set(SSL.CA_CERT, files.caCertificate().toAbsolutePath().toString());
        return List.of(ssl, Operation.update(OpenVSwitch.TABLE).where(Condition.TRUE).set(OpenVSwitch.SSL, Optional.of(ssl.ref())));
    }
}

package io.kovn.ovsdb.client;

import java.nio.file.Path;

/**
 * PEM files for {@code ssl:} remotes, as {@code ovn-nbctl --private-key --certificate --ca-cert} take them:
 * the client presents its certificate (mutual TLS) and trusts servers signed by the CA.
 */
public record TlsConfig(Path privateKey, Path certificate, Path caCertificate) {
}

package io.kovn.cli;

import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The OVN Northbound database's address and, for ssl: remotes, the PEM files (as ovn-nbctl takes them). */
final class NbOptions {
    @Option(names = "--nb-address", required = true, paramLabel = "REMOTES",
            description = "NB database: unix:PATH, tcp:IP:PORT or ssl:IP:PORT, comma-separated to try several")
    String address;

    @Option(names = {"--nb-private-key", "-p"}, description = "PEM private key for ssl:")
    Path privateKey;

    @Option(names = {"--nb-certificate", "-c"}, description = "PEM certificate for ssl:")
    Path certificate;

    @Option(names = {"--nb-ca-cert", "-C"}, description = "PEM CA certificate for ssl:")
    Path caCert;

    TlsConfig tls() {
        if (privateKey == null && certificate == null && caCert == null) {
            return null;
        }
        if (privateKey == null || certificate == null || caCert == null) {
            throw new ParameterException(new picocli.CommandLine(this),
                    "--nb-private-key, --nb-certificate and --nb-ca-cert go together");
        }
        return new TlsConfig(privateKey, certificate, caCert);
    }

    OvsdbClient.Options clientOptions() {
        TlsConfig tls = tls();
        return tls == null ? OvsdbClient.Options.defaults() : OvsdbClient.Options.defaults().withTls(tls);
    }
}

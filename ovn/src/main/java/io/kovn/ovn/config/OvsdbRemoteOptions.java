package io.kovn.ovn.config;

import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.client.TlsConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The options of one OVSDB connection with its own TLS files, the same in every command that opens one (the NB
 * of {@code controller}, {@code master-init}, {@code gateway-init} and {@code nb}): {@code --<db>-address} and,
 * for {@code ssl:} remotes, {@code --<db>-private-key}, {@code --<db>-certificate} and {@code --<db>-ca-cert}
 * (PEM files, as ovn-nbctl takes them). The node agent's remotes are {@link #remote} options: an {@code ssl:}
 * Southbound is reached with the local Open_vSwitch SSL row's files.
 */
public record OvsdbRemoteOptions(Option<String> address, Option<Path> privateKey, Option<Path> certificate,
                                 Option<Path> caCert) {

    /** {@code db} is the prefix ({@code nb}, {@code sb}); {@code about} says what the connection is for. */
    public static OvsdbRemoteOptions of(String db, String about) {
        String name = db.toUpperCase();
        return new OvsdbRemoteOptions(
                remote(db + "-address", about),
                Option.path(db + "-private-key", "PEM private key for ssl: " + name + " remotes"),
                Option.path(db + "-certificate", "PEM certificate for ssl: " + name + " remotes"),
                Option.path(db + "-ca-cert", "PEM CA certificate that signs the " + name + " server's, for ssl:"));
    }

    /** An OVSDB remote option without TLS files: one kovn stores for another program, or a local unix: socket. */
    public static Option<String> remote(String name, String about) {
        return Option.of(name, "REMOTES", OvsdbRemoteOptions::checkRemotes,
                about + ": unix:PATH, tcp:IP:PORT or ssl:IP:PORT, comma-separated to try several");
    }

    public OvsdbRemoteOptions required() {
        return new OvsdbRemoteOptions(address.required(), privateKey, certificate, caCert);
    }

    public List<Option<?>> all() {
        return List.of(address, privateKey, certificate, caCert);
    }

    /** The connection, or null when no address was given; TLS files must all be given for ssl: remotes. */
    public Connection connection(Configuration cfg) {
        String remotes = cfg.get(address);
        List<Path> files = Stream.of(privateKey, certificate, caCert).map(cfg::get).toList();
        long given = files.stream().filter(f -> f != null).count();
        if (given != 0 && given != 3) {
            throw new ConfigException(privateKey.flag() + ", " + certificate.flag() + " and " + caCert.flag()
                    + " go together: give all three or none");
        }
        if (remotes == null) {
            return null;
        }
        TlsConfig tls = given == 3 ? new TlsConfig(files.get(0), files.get(1), files.get(2)) : null;
        if (tls == null && remotes.contains("ssl:")) {
            throw new ConfigException(address.flag() + " " + remotes + " is ssl: and needs " + privateKey.flag()
                    + ", " + certificate.flag() + " and " + caCert.flag());
        }
        return new Connection(remotes, tls);
    }

    private static String checkRemotes(String s) {
        boolean ok = !s.isBlank() && Arrays.stream(s.split(",")).map(String::trim)
                .allMatch(r -> r.matches("unix:.+|tcp:[^:]+:\\d+|ssl:[^:]+:\\d+|tcp:\\[[0-9a-fA-F:.]+\\]:\\d+"
                        + "|ssl:\\[[0-9a-fA-F:.]+\\]:\\d+"));
        if (!ok) {
            throw new IllegalArgumentException("unix:PATH, tcp:IP:PORT or ssl:IP:PORT, comma-separated");
        }
        return s.trim();
    }

    /** One OVSDB connection's remotes and TLS files (null for unix: and tcp:). */
    public record Connection(String remotes, TlsConfig tls) {
        public OvsdbClient.Options clientOptions() {
            return tls == null ? OvsdbClient.Options.defaults() : OvsdbClient.Options.defaults().withTls(tls);
        }
    }
}

package io.kovn.ovsdb.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's TLS context, rebuilt from its PEM files whenever one of them changed since it was loaded, the
 * way OVS re-reads its SSL files: a certificate renewed in place (same paths, files replaced by rename) is used
 * from the next connection on, while the running connection keeps its session. A reload that fails (a file
 * caught between two renames) keeps the previous context; the next attempt tries again.
 */
final class SslContextSource {
    private static final Logger log = LoggerFactory.getLogger(SslContextSource.class);

    private final TlsConfig tls;
    private SslContext context;
    private List<FileTime> loadedStamps;

    /** Loads the files now; unusable files are an {@link IllegalArgumentException} naming them. */
    SslContextSource(TlsConfig tls) {
        this.tls = tls;
        requireReadable("private key", tls.privateKey());
        requireReadable("certificate", tls.certificate());
        requireReadable("CA certificate", tls.caCertificate());
        List<FileTime> stamps = stamps();
        context = build(tls);
        loadedStamps = stamps;
    }

    /** The context for a new connection: reloaded first if a file changed. */
    synchronized SslContext current() {
        List<FileTime> stamps = stamps();
        if (stamps != null && !stamps.equals(loadedStamps)) {
            try {
                context = build(tls);
                loadedStamps = stamps;
                log.info("TLS files {} changed: reloaded for new connections", tls.certificate());
            } catch (IllegalArgumentException e) {
                log.warn("TLS files changed but do not load ({}); keeping the previous ones", e.getMessage());
            }
        }
        return context;
    }

    /** Modification times of the three files (read before the files, so a change during a load is seen next time). */
    private List<FileTime> stamps() {
        List<FileTime> out = new ArrayList<>(3);
        try {
            for (Path p : List.of(tls.privateKey(), tls.certificate(), tls.caCertificate())) {
                out.add(Files.getLastModifiedTime(p));
            }
            return out;
        } catch (IOException e) {
            return null; // a file is missing for an instant (or for good): keep what is loaded
        }
    }

    private static SslContext build(TlsConfig tls) {
        try {
            return SslContextBuilder.forClient()
                    .keyManager(tls.certificate().toFile(), tls.privateKey().toFile())
                    .trustManager(tls.caCertificate().toFile())
                    // OVS peers are authenticated by their CA, not by host name (as ovn-nbctl does)
                    .endpointIdentificationAlgorithm(null)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load TLS files " + tls + ": " + e.getMessage(), e);
        }
    }

    /** Netty would report a missing file as one that "does not contain valid" keys: say what is wrong. */
    private static void requireReadable(String what, Path file) {
        if (file == null) {
            throw new IllegalArgumentException("ssl: no " + what + " file given");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("ssl: " + what + " file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("ssl: " + what + " file " + file + " is not a readable file");
        }
    }
}

package io.kovn.cli;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kovn.controller.CaSecret;
import io.kovn.pki.AtomicFiles;
import io.kovn.pki.CertificateAuthority;
import io.kovn.pki.CertificateDescription;
import io.kovn.pki.IssuedCertificate;
import io.kovn.pki.KeyType;
import io.kovn.pki.Lifetime;
import io.kovn.pki.Pem;
import io.kovn.pki.PkiDirectory;
import io.kovn.pki.Role;
import io.kovn.pki.SubjectAltName;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kovn pki init|issue|show|secret}: the cluster CA and the certificates of OVN's servers and clients. */
@Command(name = "pki", mixinStandardHelpOptions = true,
        description = "The cluster CA and the certificates of OVSDB servers and clients (keys are written 0600).",
        subcommands = {PkiCommand.Init.class, PkiCommand.Issue.class, PkiCommand.Show.class, PkiCommand.PrintSecret.class})
final class PkiCommand {

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Creates the cluster CA in --dir (ca-key.pem 0600, ca-cert.pem), or imports an existing "
                    + "CA key and certificate. Refuses to replace a CA already there.")
    static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, description = "PKI directory (created 0700)")
        Path dir;

        @Option(names = "--cn", description = "CA common name (default: kovn cluster CA)")
        String commonName;

        @Option(names = "--key-type", description = "ec-p256 or rsa-3072 (default: ec-p256)")
        String keyType;

        @Option(names = "--lifetime", description = "e.g. 3650d, 48h, 90m (default: 3650d)")
        String lifetime;

        @Option(names = "--import-key", description = "existing CA private key to import instead (PEM, PKCS#1 or PKCS#8)")
        Path importKey;

        @Option(names = "--import-cert", description = "existing CA certificate to import with --import-key (PEM)")
        Path importCert;

        @Override
        public Integer call() {
            return reported(spec, this::run);
        }

        private int run() throws IOException {
            PkiDirectory pki = new PkiDirectory(dir);
            CertificateAuthority ca;
            if (importKey != null || importCert != null) {
                if (importKey == null || importCert == null) {
                    throw new IllegalArgumentException("--import-key and --import-cert go together");
                }
                if (commonName != null || keyType != null || lifetime != null) {
                    throw new IllegalArgumentException("--cn, --key-type and --lifetime describe a new CA; "
                            + "an imported CA keeps its own");
                }
                ca = PkiDirectory.importCa(importKey, importCert, Clock.systemUTC());
            } else {
                ca = CertificateAuthority.create(commonName == null ? "kovn cluster CA" : commonName,
                        KeyType.parse(keyType == null ? "ec-p256" : keyType),
                        Lifetime.parse(lifetime == null ? "3650d" : lifetime), Clock.systemUTC());
            }
            pki.saveCa(ca);
            out(spec).println("CA key:         " + pki.caKey() + " (0600)");
            out(spec).println("CA certificate: " + pki.caCert());
            out(spec).print(CertificateDescription.describe(ca.certificate(), Clock.systemUTC().instant()));
            return 0;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Issues a new key (NAME-key.pem, 0600) and certificate (NAME-cert.pem) signed by the CA in --dir "
                    + "(with --out, a copy of ca-cert.pem goes there too). "
                    + "Server roles get serverAuth and clientAuth (RAFT peers), the others clientAuth; CN = --name.")
    static final class Issue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, description = "PKI directory made by kovn pki init")
        Path dir;

        @Option(names = "--role", required = true, description = "nb-server, sb-server, northd, controller, ovn-controller or node-agent")
        String role;

        @Option(names = "--name", required = true, description = "common name; for ovn-controller the chassis name")
        String name;

        @Option(names = "--san", description = "subject alternative name: DNS:host, IP:addr or a bare name/address (repeatable)")
        List<String> sans = List.of();

        @Option(names = "--out", description = "where to write the files (default: --dir)")
        Path out;

        @Option(names = "--key-type", defaultValue = "ec-p256", description = "ec-p256 or rsa-3072 (default: ${DEFAULT-VALUE})")
        String keyType;

        @Option(names = "--lifetime", defaultValue = "365d", description = "e.g. 365d, 12h, 30m (default: ${DEFAULT-VALUE})")
        String lifetime;

        @Option(names = "--force", description = "replace an existing key and certificate of that name")
        boolean force;

        @Override
        public Integer call() {
            return reported(spec, this::run);
        }

        private int run() throws IOException {
            Role r = Role.parse(role);
            CertificateAuthority.requireValidName(name);
            List<SubjectAltName> parsed = sans.stream().map(SubjectAltName::parse).toList();
            KeyType type = KeyType.parse(keyType);
            CertificateAuthority ca = new PkiDirectory(dir).loadCa(Clock.systemUTC());
            IssuedCertificate issued = ca.issue(r, name, parsed, type, Lifetime.parse(lifetime));
            Path target = out == null ? dir : out;
            PkiDirectory.saveIssued(target, name, issued, force);
            Path caCert = target.resolve(PkiDirectory.CA_CERT);
            if (out != null) {
                // what a host needs is then in one directory: its key, its certificate and the CA to trust
                AtomicFiles.write(caCert, Pem.encode(ca.certificate()).getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC);
            }
            out(spec).println("private key: " + PkiDirectory.keyFile(target, name) + " (0600)");
            out(spec).println("certificate: " + PkiDirectory.certFile(target, name));
            out(spec).println("CA:          " + caCert);
            out(spec).print(CertificateDescription.describe(issued.certificate(), Clock.systemUTC().instant()));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Prints subject, issuer, SANs, usages and expiry of each certificate in FILE (never a key).")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "PEM certificate file")
        Path file;

        @Override
        public Integer call() {
            return reported(spec, this::run);
        }

        private int run() throws IOException {
            List<X509Certificate> certs = Pem.readCertificates(file);
            for (int i = 0; i < certs.size(); i++) {
                if (certs.size() > 1) {
                    out(spec).println("certificate " + (i + 1) + " of " + certs.size() + ":");
                }
                out(spec).print(CertificateDescription.describe(certs.get(i), Clock.systemUTC().instant()));
            }
            return 0;
        }
    }

    @Command(name = "secret", mixinStandardHelpOptions = true,
            description = "Prints a Kubernetes Secret (type kubernetes.io/tls) as YAML for kubectl apply -f -: with --ca "
                    + "the CA of --dir (tls.key, tls.crt), which kovn controller --ca-secret reads to sign nodes' CSRs; "
                    + "with --name the pair NAME-key.pem/NAME-cert.pem of --dir plus ca.crt (an OVSDB server's). "
                    + "The output holds a private key: pipe it, do not keep it.")
    static final class PrintSecret implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, description = "PKI directory made by kovn pki init")
        Path dir;

        @Option(names = "--ca", description = "the CA's own key and certificate")
        boolean ca;

        @Option(names = "--name", description = "an issued pair in --dir (NAME-key.pem, NAME-cert.pem)")
        String name;

        @Option(names = "--namespace", defaultValue = "kovn-system", description = "the Secret's namespace (default: ${DEFAULT-VALUE})")
        String namespace;

        @Option(names = "--secret-name", description = "the Secret's name (default: kovn-ca with --ca, else NAME)")
        String secretName;

        @Override
        public Integer call() {
            return reported(spec, this::run);
        }

        private int run() throws IOException {
            if (ca == (name != null)) {
                throw new IllegalArgumentException("give --ca or --name NAME");
            }
            PkiDirectory pki = new PkiDirectory(dir);
            X509Certificate caCert = pki.loadCa(Clock.systemUTC()).certificate();
            Secret secret;
            if (ca) {
                secret = CaSecret.caSecret(namespace, secretName == null ? CaSecret.DEFAULT_CA_SECRET : secretName,
                        Pem.readPrivateKey(pki.caKey()), caCert);
            } else {
                CertificateAuthority.requireValidName(name);
                secret = CaSecret.tlsSecret(namespace, secretName == null ? name : secretName,
                        Pem.readPrivateKey(PkiDirectory.keyFile(dir, name)),
                        Pem.readCertificates(PkiDirectory.certFile(dir, name)).get(0), caCert);
            }
            out(spec).print(new KubernetesSerialization().asYaml(secret));
            return 0;
        }
    }

    /** The body of a subcommand that can fail on input or files. */
    private interface Step {
        int run() throws IOException;
    }

    /** Bad input or an unusable file is a one-line error, not a stack trace; the exit code is 1. */
    private static int reported(CommandSpec spec, Step step) {
        String command = spec.qualifiedName();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return step.run();
        } catch (IllegalArgumentException e) {
            err.println(command + ": " + e.getMessage());
        } catch (NoSuchFileException e) {
            err.println(command + ": no such file: " + e.getFile());
        } catch (IOException e) {
            err.println(command + ": " + e);
        }
        return 1;
    }

    private static PrintWriter out(CommandSpec spec) {
        return spec.commandLine().getOut();
    }
}

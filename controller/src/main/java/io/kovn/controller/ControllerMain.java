package io.kovn.controller;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.controller.underlay.UnderlayController;
import io.kovn.controller.underlay.UnderlaySettings;
import io.kovn.ovn.config.Configuration;
import io.kovn.ovn.config.ProgramCommand;
import io.kovn.pki.CertificateAuthority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code kovn controller}: the command {@code kovn} mounts and the main class of the controller's own JVM (the
 * sandbox's), one parser for both.
 */
public final class ControllerMain {
    private static final Logger log = LoggerFactory.getLogger(ControllerMain.class);
    /**
     * How often undecided CSRs are looked at again (leadership changes, failed decisions): a node waits for the
     * CA ConfigMap a new leader publishes at its first sweep. A sweep reads the informer's cache only.
     */
    private static final Duration CSR_SWEEP = Duration.ofSeconds(2);

    private ControllerMain() {
    }

    public static void main(String[] args) {
        System.exit(command().execute(args));
    }

    public static CommandLine command() {
        return ProgramCommand.commandLine(ControllerOptions.SET, ControllerMain::run);
    }

    private static int run(Configuration c) throws Exception {
        ControllerConfig config = ControllerOptions.config(c);
        log.info("kovn controller, effective configuration:\n  {}", String.join("\n  ", c.describe()));
        Path kubeconfig = c.get(ControllerOptions.KUBECONFIG);
        Config kube = kubeconfig == null ? Config.autoConfigure(null)
                : Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8));
        CountDownLatch stop = new CountDownLatch(1);
        Optional<UnderlaySettings> underlay = ControllerOptions.underlay(c);
        if (underlay.isPresent()) {
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(kube).build();
                 UnderlayController controller = new UnderlayController(config, underlay.get(), client)) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                controller.start();
                log.info("controller started in underlay mode");
                stop.await();
            }
            return 0;
        }
        Optional<ControllerOptions.NodeSigning> signing = ControllerOptions.nodeSigning(c);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(kube).build();
             KovnController controller = new KovnController(config, client);
             NodeCsrController csrs = signing.isEmpty() ? null : csrController(signing.get(), client, controller)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            controller.start();
            if (csrs != null) {
                csrs.start();
            }
            log.info("controller started");
            stop.await();
        }
        return 0;
    }

    /** The CSR signer with the CA from its Secret (read once, at start: a missing Secret stops the start). */
    private static NodeCsrController csrController(ControllerOptions.NodeSigning signing, KubernetesClient client,
                                                   KovnController controller) {
        CertificateAuthority ca = CaSecret.load(client, signing.namespace(), signing.caSecret(), Clock.systemUTC());
        return new NodeCsrController(client, new NodeCsrSigner(client, ca, signing.lifetime(),
                new EventRecorder(client, "kovn-controller"), signing.allowUnbound()), ca, signing.namespace(),
                controller::isLeader, CSR_SWEEP, signing.csrRetention());
    }
}

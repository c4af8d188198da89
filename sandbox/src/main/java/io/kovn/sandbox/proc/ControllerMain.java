package io.kovn.sandbox.proc;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.KovnController;
import io.kovn.ovn.net.Ipv4Cidr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The kovn controller as the sandbox runs it, in its own JVM: the same {@link KovnController} that
 * {@code kovn controller} runs, configured by the sandbox, without leader election (there is one instance).
 * Arguments: {@code --kubeconfig K --nb-address A --cluster-subnet C --service-cidr S --metrics-port P}.
 */
public final class ControllerMain {
    private ControllerMain() {
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        ControllerConfig cfg = new ControllerConfig(a.get("nb-address"), null, Ipv4Cidr.parse(a.get("cluster-subnet")),
                24, Ipv4Cidr.parse(a.get("service-cidr")), Ipv4Cidr.parse(ControllerConfig.DEFAULT_JOIN_SUBNET),
                Integer.parseInt(a.get("metrics-port", "-1")), null, false, "kube-system", "kovn-sandbox-controller", 500,
                Duration.ofMinutes(10), ControllerConfig.DEFAULT_SYNC_TIMEOUT);
        Config config = Config.fromKubeconfig(Files.readString(Path.of(a.get("kubeconfig"))));
        CountDownLatch stop = new CountDownLatch(1);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
             KovnController controller = new KovnController(cfg, client)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            controller.start();
            System.out.println("controller started");
            stop.await();
        }
    }
}

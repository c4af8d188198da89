package io.kovn.node.pki;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a node agent obtains its certificate through the Kubernetes CSR API.
 *
 * @param dir       where the key (0600), certificate and CA certificate are written; ovn-controller reads them
 *                  there (the local Open_vSwitch SSL row points at them)
 * @param namespace kovn's namespace, whose ConfigMap {@code kovn-ca} holds the CA certificate to trust
 * @param timeout   how long start-up waits for that ConfigMap and for the signed certificate
 */
public record NodeEnrollment(Path dir, String namespace, Duration timeout) {
}

package io.kovn.controller.underlay;

import io.fabric8.kubernetes.api.model.Node;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.net.Quoted;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Node in underlay mode, as its annotations say: the VM's own logical port ({@value UnderlayPool#VM_PORT}), parent
 * of the pool's ports, and the pool size ({@value UnderlayPool#POOL_SIZE}, else the controller's default). Whoever
 * can write the Node can write these, so they are parsed strictly.
 */
public record UnderlayVm(String node, String vmPort, int poolSize) {
    private static final Pattern SIZE = Pattern.compile("0|[1-9]\\d{0,3}");

    public UnderlayVm {
        if (!UnderlayPool.PORT_ID.matcher(vmPort).matches()) {
            throw new IllegalArgumentException(UnderlayPool.VM_PORT + " " + Quoted.of(vmPort)
                    + " is not 1-64 letters, digits, '_', '.', '-'");
        }
        if (poolSize < 0 || poolSize > UnderlayPool.MAX_PORTS) {
            throw new IllegalArgumentException("pool size " + poolSize + " is out of 0-" + UnderlayPool.MAX_PORTS);
        }
    }

    /** Empty for a Node not in underlay mode; throws IllegalArgumentException for a malformed annotation. */
    public static Optional<UnderlayVm> of(Node node, int defaultPoolSize) {
        Map<String, String> a = node.getMetadata().getAnnotations();
        String port = a == null ? null : a.get(UnderlayPool.VM_PORT);
        if (port == null) {
            return Optional.empty();
        }
        String size = a.get(UnderlayPool.POOL_SIZE);
        if (size != null && !SIZE.matcher(size).matches()) {
            throw new IllegalArgumentException(UnderlayPool.POOL_SIZE + " " + Quoted.of(size) + " is not a number 0-"
                    + UnderlayPool.MAX_PORTS);
        }
        return Optional.of(new UnderlayVm(node.getMetadata().getName(), port,
                size == null ? defaultPoolSize : Integer.parseInt(size)));
    }
}

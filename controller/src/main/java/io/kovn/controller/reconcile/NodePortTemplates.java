package io.kovn.controller.reconcile;

import io.kovn.controller.ObjectKey;
import io.kovn.ovn.nb.LoadBalancer;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The names of kovn's OVN template variables. A NodePort becomes one template load balancer per service and
 * protocol whose VIP is {@code ^NODEIP_IPv4:<nodePort>}: every gateway chassis's Chassis_Template_Var row gives
 * {@value #NODE_IP} its node's gateway address, and ovn-controller instantiates the VIP on each chassis, so one row
 * serves every gateway router instead of one load balancer per service and node. With externalTrafficPolicy
 * Local the backends differ per node too: they are the variable {@code ETP_LOCAL.<namespace>.<name>.<PROTO>.<nodePort>}
 * (dashes as underscores; neither dots nor underscores occur in Kubernetes names, so the name is unambiguous and
 * maps back to its service), whose value on each chassis is that node's local endpoints.
 */
public final class NodePortTemplates {
    /** The variable holding a gateway chassis's node address. */
    public static final String NODE_IP = "NODEIP_IPv4";
    static final String LOCAL_PREFIX = "ETP_LOCAL.";
    /** The template reference marker of OVN's lexer. */
    static final String REF = "^";
    /** Namespace and Service names (RFC 1123 labels): anything else is refused, not mangled into a variable name. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    private NodePortTemplates() {
    }

    /** The variable of the service's node-local backends of one NodePort. */
    static String localBackends(ObjectKey service, String protocol, int nodePort) {
        String proto = protocol.toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(proto) || nodePort < 1 || nodePort > 65535) {
            throw new IllegalArgumentException("service " + service.ref() + ": no node port " + protocol + "/" + nodePort);
        }
        return prefix(service) + proto + "." + nodePort;
    }

    /** The beginning every local-backends variable of {@code service} has. */
    static String prefix(ObjectKey service) {
        return LOCAL_PREFIX + label(service.namespace()) + "." + label(service.name()) + ".";
    }

    /** The service whose local-backends variable {@code variable} is, if it is one. */
    static Optional<ObjectKey> serviceOf(String variable) {
        if (!variable.startsWith(LOCAL_PREFIX)) {
            return Optional.empty();
        }
        String[] parts = variable.substring(LOCAL_PREFIX.length()).split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        String ns = parts[0].replace('_', '-');
        String name = parts[1].replace('_', '-');
        if (!LABEL.matcher(ns).matches() || !LABEL.matcher(name).matches()) {
            return Optional.empty();
        }
        return Optional.of(ObjectKey.service(ns, name));
    }

    /** The local-backends variables of {@code service} that a template load balancer's VIPs refer to. */
    static Set<String> referencedBy(LoadBalancer lb, ObjectKey service) {
        Set<String> out = new TreeSet<>();
        if (!"true".equals(lb.options().get("template"))) {
            return out;
        }
        String prefix = prefix(service);
        for (String backends : lb.vips().values()) {
            if (backends.startsWith(REF + prefix)) {
                out.add(backends.substring(REF.length()));
            }
        }
        return out;
    }

    private static String label(String s) {
        if (!LABEL.matcher(s).matches()) {
            throw new IllegalArgumentException(s + " is not a Kubernetes name");
        }
        return s.replace('-', '_');
    }
}

package io.kovn.node.cni;

import io.kovn.node.kube.AgentPod;
import io.kovn.node.kube.PodWatcher;
import io.kovn.node.ovs.SouthboundPorts;
import io.kovn.ovn.Names;
import io.kovn.ovn.annotations.PodNetwork;
import io.kovn.ovn.net.Ipv4Address;
import io.kovn.ovn.net.Ipv4Cidr;
import io.kovn.ovn.net.Ipv4InterfaceAddress;
import io.kovn.ovn.net.MacAddress;
import io.kovn.ovn.net.Quoted;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The network an ADD plumbs: the pod's {@value PodNetwork#ANNOTATION} annotation, but only once it agrees with
 * what the controller put into OVN for this pod, the Southbound Port_Binding of {@code <ns>_<pod>} with
 * options:iface-id-ver = the pod's uid (MAC and IP), on this node's subnet (prefix and gateway). Whoever creates a
 * pod can write the annotation, not OVN. Until they agree the ADD waits (the controller replaces an annotation
 * it did not write), within the annotation timeout; then it fails naming the disagreement, with nothing plumbed.
 */
final class VerifiedPodNetwork {
    /** How long a disagreement waits for a new annotation before OVN is asked again (its port may change too). */
    private static final Duration RECHECK = Duration.ofSeconds(1);

    record Verified(AgentPod pod, PodNetwork network) {
    }

    private final PodWatcher pods;
    private final SouthboundPorts ovn;
    private final Ipv4Cidr nodeSubnet;
    private final Duration timeout;

    VerifiedPodNetwork(PodWatcher pods, SouthboundPorts ovn, Ipv4Cidr nodeSubnet, Duration timeout) {
        this.pods = pods;
        this.ovn = ovn;
        this.nodeSubnet = nodeSubnet;
        this.timeout = timeout;
    }

    Verified await(CniRequest req, CompletableFuture<Void> abort) throws CniFailure {
        String key = req.podNamespace() + "/" + req.podName();
        String port = Names.podPort(req.podNamespace(), req.podName());
        long deadline = System.nanoTime() + timeout.toNanos();
        AgentPod pod = awaitPod(req, abort, deadline, null);
        if (pod == null) {
            throw noAnnotation(req, key);
        }
        String problem;
        while (true) {
            String uid = pod.getMetadata().getUid();
            String annotation = annotation(pod);
            try {
                PodNetwork net = PodNetwork.parse(annotation);
                Optional<Set<String>> macs = awaitPort(req, abort, port, uid, deadline);
                if (macs.isEmpty()) {
                    throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "OVN has no logical port " + port + " for pod "
                            + key + " (uid " + uid + ") after " + timeout.toSeconds() + " s",
                            "the agent plumbs only what the controller put into OVN: it waits for the Southbound "
                            + "Port_Binding of " + port + " with options:iface-id-ver=" + uid
                            + "; are the kovn controller and ovn-northd running?");
                }
                problem = mismatch(net, macs.get(), port);
                if (problem == null) {
                    return new Verified(pod, net);
                }
            } catch (IllegalArgumentException e) {
                problem = "its " + PodNetwork.ANNOTATION + " annotation is unreadable: " + e.getMessage();
            }
            AgentPod next = awaitPod(req, abort, Math.min(deadline, System.nanoTime() + RECHECK.toNanos()), annotation);
            if (System.nanoTime() - deadline >= 0) {
                throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "pod " + key + ": " + problem + " (after "
                        + timeout.toSeconds() + " s)", "nothing was plumbed; the agent plumbs only the address the "
                        + "controller put into OVN (the Southbound Port_Binding of " + port + " with options:iface-id-ver="
                        + uid + ") and waits for the controller to replace the annotation with one that matches it");
            }
            pod = next != null ? next : pod;
        }
    }

    /** Why the annotation is not what OVN has for the pod on this node, or null when it is. */
    private String mismatch(PodNetwork net, Set<String> ovnMacs, String port) {
        String ovnSays = "its OVN logical port " + port + " has " + Quoted.of(String.join(",", ovnMacs));
        if (ovnMacs.size() != 1) {
            return ovnSays + ", not one \"MAC IP\" address";
        }
        String[] parts = ovnMacs.iterator().next().split(" ", -1);
        PodNetwork expected;
        try {
            if (parts.length != 2) {
                throw new IllegalArgumentException("not \"MAC IP\"");
            }
            int ip = Ipv4Cidr.parseAddress(parts[1]);
            expected = new PodNetwork(List.of(Ipv4InterfaceAddress.in(nodeSubnet, ip)), MacAddress.parse(parts[0]),
                    List.of(new Ipv4Address(nodeSubnet.address(1))));
        } catch (IllegalArgumentException e) {
            return ovnSays + ", which is no address of this node's subnet " + nodeSubnet + ": " + e.getMessage();
        }
        if (expected.equals(net)) {
            return null;
        }
        return "its " + PodNetwork.ANNOTATION + " annotation (" + net.describe() + ") does not match what the controller"
                + " put into OVN (" + expected.describe() + ": " + ovnSays + ", node subnet " + nodeSubnet + ")";
    }

    private static String annotation(AgentPod p) {
        Map<String, String> a = p.getMetadata().getAnnotations();
        return a == null ? null : a.get(PodNetwork.ANNOTATION);
    }

    /** The pod once it has an annotation other than {@code other}; null when there is none by {@code until}. */
    private AgentPod awaitPod(CniRequest req, CompletableFuture<Void> abort, long until, String other)
            throws CniFailure {
        CompletableFuture<AgentPod> f = pods.await(req.podNamespace(), req.podName(), req.podUid(), p ->
                annotation(p) != null && !Objects.equals(annotation(p), other));
        return within(f, abort, until, req);
    }

    private Optional<Set<String>> awaitPort(CniRequest req, CompletableFuture<Void> abort, String port, String uid,
                                            long until) throws CniFailure {
        Duration left = Duration.ofNanos(Math.max(0, until - System.nanoTime()));
        CompletableFuture<Optional<Set<String>>> f = ovn.await(port, uid, left);
        try {
            Optional<Set<String>> macs = within(f.orTimeout(left.toMillis() + 5_000, TimeUnit.MILLISECONDS), abort,
                    Long.MAX_VALUE, req);
            return macs == null ? Optional.empty() : macs;
        } catch (CniFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "the OVN Southbound database cannot be asked for the port "
                    + port + ": " + e.getMessage(), "the agent checks every pod's address against OVN before it "
                    + "plumbs it", e);
        }
    }

    /** {@code f}'s value, or null at {@code until} (nanoTime); a DEL or the pod's deletion aborts. */
    private static <T> T within(CompletableFuture<T> f, CompletableFuture<Void> abort, long until, CniRequest req)
            throws CniFailure {
        long left = until == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, until - System.nanoTime());
        try {
            CompletableFuture.anyOf(f, abort).get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            return null;
        } catch (ExecutionException e) {
            f.cancel(false);
            if (abort.isDone() || e.getCause() instanceof PodWatcher.PodGoneException) {
                throw CniHandler.aborted(req, e.getCause());
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniFailure(CniFailure.TRY_AGAIN_LATER, "the node agent is shutting down", null);
        }
        CniHandler.checkAbort(abort, req);
        return f.join();
    }

    private CniFailure noAnnotation(CniRequest req, String key) {
        return pods.get(req.podNamespace(), req.podName()).isPresent()
                ? new CniFailure(CniFailure.TRY_AGAIN_LATER, "pod " + key + " has no " + PodNetwork.ANNOTATION
                        + " annotation after " + timeout.toSeconds() + " s",
                        "the kovn controller writes it once it has created the pod's logical port; is it running?")
                : new CniFailure(CniFailure.TRY_AGAIN_LATER, "pod " + key + " is not known on this node after "
                        + timeout.toSeconds() + " s", "no pod of that name with spec.nodeName of this node");
    }
}

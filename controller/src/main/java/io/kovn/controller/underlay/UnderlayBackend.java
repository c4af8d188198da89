package io.kovn.controller.underlay;

import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.ops.LoadBalancerOps;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * What makes a worker VM's pod network and its pool of child ports in the cloud: NB directly
 * ({@link NbUnderlayBackend}) or the cloud's Neutron API ({@link NeutronUnderlayBackend}). The controller and the VM's agent see only the pool it
 * returns, so they do not know which back end runs. Implementations are retry-safe: calling {@link #ensure} again
 * after a failure, or on a restart, converges on the same rows and never duplicates a port.
 */
public interface UnderlayBackend {
    /** A short name for logs ("nb", "neutron"). */
    String name();

    /**
     * Makes the VM's pod switch, its attachment to the router and at least {@code vm.poolSize()} child ports of
     * {@code vm.vmPort()} exist, correcting drifted rows; returns the whole pool.
     */
    UnderlayPool ensure(UnderlayVm vm) throws Exception;

    /** Removes what this back end made for every VM whose node is not in {@code keep}. */
    void removeAllBut(Set<String> keep) throws Exception;

    /**
     * Master-only load balancing: makes the Services' load balancers exactly {@code wanted} (as the overlay computes
     * them) and applies them to every VM's pod switch, so a pod's traffic to a ClusterIP is balanced by the cloud's
     * OVN on its hypervisor; load balancers of Services gone are removed.
     */
    void ensureServices(Collection<LoadBalancerOps.LoadBalancerSpec> wanted) throws Exception;

    /** The security profiles (a cloud's security groups) pods may name, by name. */
    Set<String> profiles() throws Exception;

    /**
     * Security profiles: each known profile's pool ports become exactly {@code members.get(profile)} (other ports of
     * the profile are not kovn's and stay), and the pool ports in {@code denied} (pods naming an unknown profile)
     * take no traffic at all; pool ports in neither are in no profile.
     */
    void ensureProfiles(Map<String, Set<String>> members, Set<String> denied) throws Exception;
}

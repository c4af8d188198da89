package io.kovn.controller.underlay;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kovn.controller.ControllerConfig;
import io.kovn.controller.EventRecorder;
import io.kovn.controller.LeaseElection;
import io.kovn.controller.ObjectKey;
import io.kovn.controller.reconcile.ServiceReconciler;
import io.kovn.ovn.Databases;
import io.kovn.ovn.annotations.UnderlayPool;
import io.kovn.ovn.ops.LoadBalancerOps;
import io.kovn.ovn.ops.NbTables;
import io.kovn.ovsdb.client.OvsdbClient;
import io.kovn.ovsdb.replica.DatabaseReplica;
import io.kovn.ovsdb.wire.OvsdbJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kovn controller --mode underlay}: keeps every underlay Node's pod network and pool through an
 * {@link UnderlayBackend} and publishes the pool on the Node ({@value UnderlayPool#ANNOTATION}), where the VM's agent
 * reads it. Only the leader of Lease {@value #LEASE} writes. Node events queue their node (a set: one pass per node
 * however many events); a full pass every {@link #FULL_PASS} also removes what VMs no longer in underlay mode had. A
 * failed node is tried again after {@link #RETRY} and reported as a Warning Event on its Node. Services and
 * EndpointSlices become load balancers on every pod switch (master-only load balancing, no kube-proxy in the VMs),
 * computed by the overlay's {@link ServiceReconciler}. Pods naming security profiles ({@value PodProfiles#ANNOTATION})
 * have their pool port join them; a pod's port is found by its IP in its VM's pool.
 */
public final class UnderlayController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnderlayController.class);
    static final String LEASE = "kovn-underlay-controller";
    static final Duration FULL_PASS = Duration.ofSeconds(30);
    static final Duration RETRY = Duration.ofSeconds(2);
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
    private static final String SLICES_BY_SERVICE = "service";

    private final ControllerConfig config;
    private final UnderlaySettings settings;
    private final KubernetesClient kube;
    private final EventRecorder events;
    private final Set<String> dirty = new LinkedHashSet<>();
    /** Retries and re-joining the election. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kovn-underlay-timer");
        t.setDaemon(true);
        return t;
    });
    private OvsdbClient nbClient;
    private UnderlayBackend backend;
    private volatile SharedIndexInformer<Node> nodes;
    private volatile SharedIndexInformer<Service> services;
    private volatile SharedIndexInformer<EndpointSlice> slices;
    private volatile boolean servicesDue = true;
    private volatile SharedIndexInformer<Pod> pods;
    private volatile boolean profilesDue = true;
    /** Each underlay VM's pool as last made, to find the port of a pod's IP. */
    private final Map<String, UnderlayPool> pools = new ConcurrentHashMap<>();
    /** What was last reported about a pod's profiles (by uid) or a Node ("Node/" + name): one Event per change. */
    private final Map<String, String> reported = new ConcurrentHashMap<>();
    private volatile Thread worker;
    /** Null without leader election. */
    private volatile LeaseElection election;
    private volatile boolean closed;
    private volatile boolean fullPassDue = true;

    public UnderlayController(ControllerConfig config, UnderlaySettings settings, KubernetesClient kube) {
        this.config = config;
        this.settings = settings;
        this.kube = kube;
        this.events = new EventRecorder(kube, "kovn-controller");
    }

    /**
     * Makes the back end (NB-native: connects to NB and returns once it is replicated; Neutron: no NB connection) and
     * starts leading, or competing for the lead.
     */
    public void start() throws Exception {
        if (settings.neutron().isPresent()) {
            backend = new NeutronUnderlayBackend(settings.neutron().get(), settings);
        } else {
            OvsdbClient.Options opts = config.nbClientOptions();
            nbClient = new OvsdbClient(config.nbAddress(), opts);
            nbClient.connect();
            DatabaseReplica nb = nbClient.replicate(Databases.NORTHBOUND, NbTables.monitorSpec()).get(2, TimeUnit.MINUTES);
            backend = new NbUnderlayBackend(nbClient, nb, settings);
        }
        log.info("underlay mode, back end {}: router {}, pool size {}, pod network {} in /{}", backend.name(),
                settings.router(), settings.poolSize(), settings.podNetwork(), settings.podSubnetPrefix());
        if (config.leaderElection()) {
            election = new LeaseElection(kube, config.leaseNamespace(), LEASE, config.identity(), timer, this::lead,
                    this::stopLeading);
            election.start();
        } else {
            lead();
        }
    }

    public boolean isLeader() {
        return worker != null;
    }

    private synchronized void lead() {
        if (closed || worker != null) {
            return;
        }
        log.info("{} leads underlay mode", config.identity());
        nodes = kube.nodes().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                mark(n.getMetadata().getName());
            }

            @Override
            public void onUpdate(Node old, Node n) {
                mark(n.getMetadata().getName());
            }

            @Override
            public void onDelete(Node n, boolean unknownFinalState) {
                fullPassDue = true;
                wake();
            }
        }, config.resync().toMillis());
        ResourceEventHandler<HasMetadata> serviceChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata o) {
                servicesChanged();
            }

            @Override
            public void onUpdate(HasMetadata old, HasMetadata o) {
                servicesChanged();
            }

            @Override
            public void onDelete(HasMetadata o, boolean unknownFinalState) {
                servicesChanged();
            }
        };
        services = kube.services().inAnyNamespace().inform(serviceChange, config.resync().toMillis());
        slices = kube.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(config.resync().toMillis());
        slices.addIndexers(Map.of(SLICES_BY_SERVICE, sl -> {
            String key = ServiceReconciler.sliceServiceKey(sl);
            return key == null ? List.of() : List.of(key);
        }));
        slices.addEventHandler(serviceChange);
        slices.start();
        pods = kube.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                profilesChanged();
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                profilesChanged();
            }

            @Override
            public void onDelete(Pod p, boolean unknownFinalState) {
                reported.remove(p.getMetadata().getUid());
                profilesChanged();
            }
        }, config.resync().toMillis());
        fullPassDue = true;
        servicesDue = true;
        profilesDue = true;
        Thread t = new Thread(this::work, "kovn-underlay-worker");
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    private synchronized void stopLeading() {
        Thread t = worker;
        worker = null;
        for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {nodes, services, slices, pods}) {
            if (i != null) {
                i.stop();
            }
        }
        nodes = null;
        services = null;
        slices = null;
        pods = null;
        if (t != null) {
            t.interrupt();
        }
    }

    private void profilesChanged() {
        profilesDue = true;
        wake();
    }

    private void servicesChanged() {
        servicesDue = true;
        wake();
    }

    private void mark(String node) {
        synchronized (dirty) {
            dirty.add(node);
            dirty.notifyAll();
        }
    }

    private void wake() {
        synchronized (dirty) {
            dirty.notifyAll();
        }
    }

    private void work() {
        long nextFull = System.nanoTime();
        while (worker == Thread.currentThread()) {
            Set<String> batch;
            try {
                synchronized (dirty) {
                    long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextFull - System.nanoTime()));
                    if (dirty.isEmpty() && !fullPassDue && !servicesDue && !profilesDue && wait > 1) {
                        dirty.wait(Math.min(wait, 1000));
                    }
                    batch = new LinkedHashSet<>(dirty);
                    dirty.clear();
                }
            } catch (InterruptedException e) {
                return;
            }
            SharedIndexInformer<Node> informer = nodes;
            if (informer == null || !informer.hasSynced()) {
                continue;
            }
            if (fullPassDue || System.nanoTime() - nextFull >= 0) {
                fullPassDue = false;
                profilesDue = true; // a profile the cloud's admin added or removed meanwhile
                nextFull = System.nanoTime() + FULL_PASS.toNanos();
                batch.clear();
                informer.getStore().list().forEach(n -> batch.add(n.getMetadata().getName()));
                removeOthers(informer);
            }
            for (String name : batch) {
                if (worker != Thread.currentThread()) {
                    return;
                }
                Node n = informer.getStore().getByKey(name);
                if (n != null && !reconcile(n)) {
                    retryLater(name);
                }
            }
            if (servicesDue) {
                syncServices();
            }
            if (profilesDue) {
                syncProfiles();
            }
        }
    }

    /**
     * Security profiles: every pod on an underlay VM whose IP is a pool port's joins the profiles it names; a pod
     * naming an unknown profile, or an unreadable list, gets a Warning Event and its port takes no traffic (never a
     * silently open port).
     */
    private void syncProfiles() {
        SharedIndexInformer<Pod> p = pods;
        if (p == null || !p.hasSynced()) {
            return;
        }
        profilesDue = false;
        Set<String> known;
        try {
            known = backend.profiles();
        } catch (Exception e) {
            log.warn("underlay: reading the security profiles failed ({}); retry in {} s", e.getMessage(), RETRY.toSeconds());
            timer.schedule(this::profilesChanged, RETRY.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        Map<String, Set<String>> members = new HashMap<>();
        known.forEach(k -> members.put(k, new HashSet<>()));
        Set<String> denied = new HashSet<>();
        for (Pod pod : p.getStore().list()) {
            Map<String, String> a = pod.getMetadata().getAnnotations();
            String value = a == null ? null : a.get(PodProfiles.ANNOTATION);
            Optional<String> port = poolPortOf(pod);
            if (value == null || port.isEmpty()) {
                continue;
            }
            String problem;
            try {
                Set<String> names = PodProfiles.parse(value).names();
                Set<String> unknown = new TreeSet<>(names);
                unknown.removeAll(known);
                if (unknown.isEmpty()) {
                    names.forEach(n -> members.get(n).add(port.get()));
                    reported.remove(pod.getMetadata().getUid());
                    continue;
                }
                problem = "UnknownSecurityProfile: " + PodProfiles.ANNOTATION + " names " + unknown
                        + ", which no security profile is; the pod's port " + port.get() + " takes no traffic until it"
                        + " names known ones (" + new TreeSet<>(known) + ")";
            } catch (IllegalArgumentException e) {
                problem = "InvalidSecurityProfiles: " + e.getMessage() + "; the pod's port " + port.get()
                        + " takes no traffic until it is corrected";
            }
            denied.add(port.get());
            if (!problem.equals(reported.put(pod.getMetadata().getUid(), problem))) {
                int colon = problem.indexOf(':');
                log.warn("underlay: pod {}/{}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), problem);
                events.warning(pod, problem.substring(0, colon), problem.substring(colon + 2));
            }
        }
        try {
            backend.ensureProfiles(members, denied);
        } catch (Exception e) {
            log.warn("underlay: security profiles failed ({}); retry in {} s", e.getMessage(), RETRY.toSeconds());
            timer.schedule(this::profilesChanged, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The pool port a running pod holds: the one of its VM's pool whose address is the pod's IP. */
    private Optional<String> poolPortOf(Pod pod) {
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        UnderlayPool pool = node == null || ip == null ? null : pools.get(node);
        if (pool == null) {
            return Optional.empty();
        }
        return pool.ports().stream().filter(x -> x.address().address().toString().equals(ip))
                .map(UnderlayPool.Port::id).findFirst();
    }

    /** Every Service's load balancers, as the overlay's ServiceReconciler computes them, in one back end call. */
    private void syncServices() {
        SharedIndexInformer<Service> svcs = services;
        SharedIndexInformer<EndpointSlice> sl = slices;
        if (svcs == null || sl == null || !svcs.hasSynced() || !sl.hasSynced()) {
            return;
        }
        servicesDue = false;
        List<LoadBalancerOps.LoadBalancerSpec> wanted = new ArrayList<>();
        for (Service svc : svcs.getStore().list()) {
            ObjectKey key = ObjectKey.service(svc.getMetadata().getNamespace(), svc.getMetadata().getName());
            wanted.addAll(ServiceReconciler.clusterLoadBalancers(key, svc,
                    sl.getIndexer().byIndex(SLICES_BY_SERVICE, key.ref())).values());
        }
        try {
            backend.ensureServices(wanted);
        } catch (Exception e) {
            log.warn("underlay: Service load balancers failed ({}); retry in {} s", e.getMessage(), RETRY.toSeconds());
            timer.schedule(this::servicesChanged, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void removeOthers(SharedIndexInformer<Node> informer) {
        Set<String> keep = new HashSet<>();
        for (Node n : informer.getStore().list()) {
            Map<String, String> a = n.getMetadata().getAnnotations();
            if (a != null && a.containsKey(UnderlayPool.VM_PORT)) {
                keep.add(n.getMetadata().getName());
            }
        }
        pools.keySet().retainAll(keep);
        try {
            backend.removeAllBut(keep);
        } catch (Exception e) {
            log.warn("underlay: removing the pod networks of VMs gone failed ({}); next full pass in {} s", e.getMessage(),
                    FULL_PASS.toSeconds());
        }
    }

    /** One node: its pool made and published. False if it failed (reported) and should be tried again. */
    private boolean reconcile(Node n) {
        String name = n.getMetadata().getName();
        Optional<UnderlayVm> vm;
        try {
            vm = UnderlayVm.of(n, settings.poolSize());
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals(reported.put("Node/" + name, e.getMessage()))) {
                log.warn("underlay: Node {}: {}", name, e.getMessage());
                events.warning(n, "InvalidUnderlayAnnotation", e.getMessage());
            }
            return true; // the next change of the Node brings it back
        }
        reported.remove("Node/" + name);
        if (vm.isEmpty()) {
            return true;
        }
        try {
            UnderlayPool pool = backend.ensure(vm.get());
            if (!pool.equals(pools.put(name, pool))) {
                profilesDue = true;
            }
            publish(n, pool);
            return true;
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            log.warn("underlay: VM {}: {} (retry in {} s)", name, message, RETRY.toSeconds());
            events.warning(n, "UnderlayPoolFailed", message);
            return false;
        }
    }

    private void publish(Node n, UnderlayPool pool) {
        String json = pool.toJson();
        Map<String, String> a = n.getMetadata().getAnnotations();
        if (a != null && json.equals(a.get(UnderlayPool.ANNOTATION))) {
            return;
        }
        ObjectNode patch = OvsdbJson.NODES.objectNode();
        patch.putObject("metadata").putObject("annotations").put(UnderlayPool.ANNOTATION, json);
        kube.nodes().withName(n.getMetadata().getName()).patch(MERGE, patch.toString());
        log.info("underlay: published the pool of {} ({} ports)", n.getMetadata().getName(), pool.ports().size());
    }

    private void retryLater(String node) {
        timer.schedule(() -> mark(node), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        if (election != null) {
            election.close();
        }
        timer.shutdownNow();
        stopLeading();
        if (nbClient != null) {
            nbClient.close();
        }
    }
}

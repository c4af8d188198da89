package io.kovn.node.cni;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs the pod's side of an ADD (addresses, route, offload inside the sandbox) while the request thread plugs the
 * OVS side: once the veth pair exists the two are independent, and each costs a process start. Shared by both
 * modes' handlers. Its threads go 10 s after a burst (an idle agent keeps none).
 */
final class PodSideWork {
    private final ExecutorService threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "cni-pod-side");
                t.setDaemon(true);
                return t;
            });

    CompletableFuture<Void> start(Runnable podSide) {
        return CompletableFuture.runAsync(podSide, threads);
    }

    /** Waits for the pod side; its failure becomes the ADD's. */
    static void join(CompletableFuture<Void> podSide) {
        try {
            podSide.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Waits for the pod side, whatever its outcome: its commands finish before a roll-back removes the veth. */
    static void settle(CompletableFuture<Void> podSide) {
        if (podSide != null) {
            podSide.handle((v, x) -> null).join();
        }
    }
}

package io.kovn.testing.k8s;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.lang.reflect.Field;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The CRUD dispatcher with one fix: when a watch ends (a watching client dies without closing its WebSocket,
 * a killed controller or node agent, or closes it while an event is being sent to it), the mock's watch listener
 * waits for its send queue to drain, on the server's only event loop, where that send itself waits to be written:
 * the whole API stalls for 30 s to a minute. Here that wait happens on a thread of its own, after the watch has
 * been taken out of the dispatcher's list. Used by the sandbox's API and the controller's tests, whose controllers
 * are stopped and started while pods change.
 */
public class WatchFailureOffLoop extends CsrApprovalDispatcher {
    private static final ExecutorService CLOSERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mock-api-watch-close");
        t.setDaemon(true);
        return t;
    });

    @Override
    public MockResponse handleWatch(String path) {
        MockResponse r = super.handleWatch(path);
        WebSocketListener l = r.getWebSocketListener();
        return l == null ? r : r.withWebSocketUpgrade(new OffLoop(l));
    }

    /** Delegates everything; the ends of a WebSocket are handled off the event loop. */
    private static final class OffLoop extends ForwardingWebSocketListener {
        OffLoop(WebSocketListener delegate) {
            super(delegate);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            if (unlist()) {
                CLOSERS.execute(() -> delegate.onClosed(ws, code, reason));
            } else {
                delegate.onClosed(ws, code, reason); // a mock version without that field: its own behaviour
            }
        }

        /** Takes the watch out of the dispatcher's list; false if this mock version has no such list. */
        private boolean unlist() {
            try {
                Field f = delegate.getClass().getDeclaredField("watchEventListenerList");
                f.setAccessible(true);
                ((Set<?>) f.get(delegate)).remove(delegate);
                return true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }

        /**
         * Takes the watch out of the dispatcher's list first, here on the event loop where events are sent, so
         * that no event is handed to its executor once that shuts down; then lets it wind down elsewhere.
         */
        @Override
        public void onFailure(WebSocket ws, Throwable t, Response r) {
            if (unlist()) {
                CLOSERS.execute(() -> delegate.onFailure(ws, t, r));
            } else {
                delegate.onFailure(ws, t, r); // a mock version without that field: its own behaviour
            }
        }
    }
}

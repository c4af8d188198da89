package io.kovn.testing.k8s;

import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

/** A WebSocket listener handing every callback to the mock's own: the dispatchers' fixes override what they change. */
class ForwardingWebSocketListener extends WebSocketListener {
    protected final WebSocketListener delegate;

    ForwardingWebSocketListener(WebSocketListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onBeforeAccept(WebSocket ws, Response r) {
        delegate.onBeforeAccept(ws, r);
    }

    @Override
    public void onOpen(WebSocket ws, Response r) {
        delegate.onOpen(ws, r);
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
        delegate.onMessage(ws, text);
    }

    @Override
    public void onMessage(WebSocket ws, ByteString bytes) {
        delegate.onMessage(ws, bytes);
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
        delegate.onMessage(ws, bytes);
    }

    @Override
    public void onPing(WebSocket ws, byte[] bytes) {
        delegate.onPing(ws, bytes);
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
        delegate.onClosing(ws, code, reason);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
        delegate.onClosed(ws, code, reason);
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response r) {
        delegate.onFailure(ws, t, r);
    }
}

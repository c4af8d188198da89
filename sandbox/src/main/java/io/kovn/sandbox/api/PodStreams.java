package io.kovn.sandbox.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pod subresources that are streams rather than objects: {@code log} ({@link PodLogs}) and {@code exec}
 * ({@link PodExec}); {@code attach} and {@code portforward} are answered with an error naming the limitation.
 * The pods are found through {@link PodProcesses}, set once the pod runtimes exist.
 */
final class PodStreams {
    private static final Pattern PATH = Pattern.compile(
            "/api/v1/namespaces/([a-z0-9]([-a-z0-9]*[a-z0-9])?)/pods/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)/(log|exec|attach|portforward)");

    /** A stream subresource of one pod. */
    record Target(String namespace, String pod, String what) {
        /** The target a request path names, or null if it names none. */
        static Target parse(String path) {
            Matcher m = PATH.matcher(path);
            return m.matches() ? new Target(m.group(1), m.group(3), m.group(5)) : null;
        }
    }

    private volatile PodProcesses processes = PodProcesses.NONE;
    private final PodExec exec = new PodExec();

    void use(PodProcesses p) {
        processes = p;
    }

    void serve(ChannelHandlerContext ctx, FullHttpRequest req, Target t, Map<String, List<String>> query) {
        switch (t.what()) {
            case "log" -> PodLogs.serve(ctx, req, t, query, processes);
            case "exec" -> {
                if ("websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE, ""))) {
                    exec.serve(ctx, req, t, query, processes);
                } else {
                    ApiRequestHandler.reply(ctx, req, ApiStatus.response(400, "BadRequest", "exec over SPDY is not "
                            + "emulated by the kovn sandbox's API, only over WebSocket (kubectl 1.30 and later); "
                            + "or run: kovn sandbox exec -n " + t.namespace() + " " + t.pod() + " -- CMD..."));
                }
            }
            default -> ApiRequestHandler.reply(ctx, req, ApiStatus.notEmulated("pods/" + t.what()));
        }
    }
}

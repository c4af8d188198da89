package io.kovn.sandbox.standins;

import io.fabric8.kubernetes.api.model.Node;

/** Facts about Node objects that the stand-ins share. */
final class Nodes {
    private Nodes() {
    }

    static boolean ready(Node n) {
        return n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}

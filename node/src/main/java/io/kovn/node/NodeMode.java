package io.kovn.node;

import java.util.Locale;

/**
 * What the node agent serves: {@link #OVERLAY}, the node is a chassis of kovn's own OVN; {@link #UNDERLAY}, the node
 * is a VM on a cloud whose OVN carries the pods as child ports of the VM's port (docs/underlay.md), so the agent
 * runs no OVN part at all.
 */
public enum NodeMode {
    OVERLAY, UNDERLAY;

    /** As {@code --mode} writes it. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** From an already validated {@code --mode} value. */
    public static NodeMode of(String flagValue) {
        return valueOf(flagValue.toUpperCase(Locale.ROOT));
    }
}

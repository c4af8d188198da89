package io.kovn.tools.trace;

import java.util.List;

/**
 * What {@code kovn trace --node} adds: the same packet followed through the OpenFlow tables of br-int on the source's
 * node by {@code ovs-appctl ofproto/trace} (the flows ovn-controller installed there, not the logical ones), and the
 * datapath actions it ends with, in the cluster's terms.
 *
 * @param node            the source's node (its chassis's hostname)
 * @param flow            the OpenFlow flow given to ofproto/trace
 * @param datapathActions the last "Datapath actions:" line (after every recirculation it followed)
 * @param verdict         what those actions do with the packet
 * @param detail          the ports or nodes it goes to, or why it is dropped
 * @param ofprotoTrace    ofproto/trace's whole output ({@code -v})
 */
public record NodeTrace(String node, String bridge, String flow, String datapathActions, Verdict verdict,
                        List<String> detail, String ofprotoTrace) {

    public enum Verdict {
        /** no output action: the datapath drops the packet */
        DROPPED,
        /** sent out of ports of this node (a pod's veth, a gateway interface) */
        OUTPUT,
        /** sent through a tunnel to another node */
        TUNNELLED,
        /** ended in a recirculation or action ofproto/trace did not follow */
        UNKNOWN
    }

    public String render(boolean verbose) {
        StringBuilder b = new StringBuilder();
        b.append("  datapath: ").append(bridge).append(" on ").append(node).append(" (ofproto/trace): ")
                .append(datapathActions).append('\n');
        b.append("  node:     ").append(verdict).append(detail.isEmpty() ? "" : ": " + String.join(", ", detail))
                .append('\n');
        if (verbose) {
            b.append("\novs-appctl ofproto/trace ").append(bridge).append(" '").append(flow).append("'\n\n")
                    .append(ofprotoTrace);
        }
        return b.toString();
    }
}

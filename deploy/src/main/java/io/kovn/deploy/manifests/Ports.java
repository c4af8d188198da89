package io.kovn.deploy.manifests;

import io.kovn.controller.ControllerOptions;
import io.kovn.node.NodeOptions;

/** The ports kovn's pods listen on (all host ports: every kovn pod is on the host network). */
final class Ports {
    static final int NB = 6641;
    static final int SB = 6642;
    static final int NB_RAFT = 6643;
    static final int SB_RAFT = 6644;
    static final int CONTROLLER_METRICS = ControllerOptions.METRICS_PORT.defaultParsed();
    static final int NODE_METRICS = NodeOptions.METRICS_PORT.defaultParsed();

    private Ports() {
    }
}

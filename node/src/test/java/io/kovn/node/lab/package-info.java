/**
 * The node lab: one node of a cluster on this machine (central OVN daemons, a node namespace with its own OVS and
 * ovn-controller, fabric8's mock API server and a stand-in for the controller) for the agent's integration tests
 * and, through kovn-node's test-jar, the CNI benchmark. Test code: never on a shipped component's class path.
 */
package io.kovn.node.lab;

/**
 * The node's own OVSDB client certificate: made from a key generated on the node and a Kubernetes CSR signed
 * by the controller ({@code kovn.io/ovn-node}), written where ovn-controller (the local Open_vSwitch SSL table)
 * and the node agent read it.
 */
package io.kovn.node.pki;

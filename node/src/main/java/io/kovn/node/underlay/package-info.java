/**
 * Underlay mode inside a worker VM (docs/underlay.md): the VM's cache of pooled child ports of the cloud's OVN
 * (IP, MAC, VLAN tag, port id), kept in the VM's own Open_vSwitch database, and taking and returning its entries
 * atomically, so that a pod start needs no call to the control plane.
 */
package io.kovn.node.underlay;

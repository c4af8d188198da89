/**
 * Underlay mode's control plane (docs/underlay.md): for every Node that names its VM's logical port, a pod switch
 * on a logical router and a pool of child ports of that VM port (parent_name + VLAN tag), kept at the configured
 * size and published on the Node for the VM's agent. The work is behind {@link io.kovn.controller.underlay.UnderlayBackend}:
 * {@link io.kovn.controller.underlay.NbUnderlayBackend} writes NB directly,
 * {@link io.kovn.controller.underlay.NeutronUnderlayBackend} asks the cloud's Neutron API (whose ML2/OVN driver writes
 * NB) and never touches NB itself.
 */
package io.kovn.controller.underlay;

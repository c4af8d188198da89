/**
 * The sandbox's {@code --image} mode: a node's daemons run as podman containers of kovn's image, with the
 * commands, mounts and capabilities of the node DaemonSet that {@code kovn manifests} generates (read from its
 * objects, not written again here), the node's network namespace standing for the host network.
 */
package io.kovn.sandbox.image;

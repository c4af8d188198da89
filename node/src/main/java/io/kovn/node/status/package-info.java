/**
 * What the node agent reports to the Kubernetes API about its own work, apart from the CNI path: the pod condition
 * saying ovn-controller installed the pod's port on this chassis, and the Node condition carrying the agent's CNI
 * STATUS. Reports are queued without blocking and written by one thread, bounded and rate-limited, so a slow or
 * failing API never holds up an ADD.
 */
package io.kovn.node.status;

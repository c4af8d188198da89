/**
 * Status conditions kovn writes on Kubernetes objects (the controller's and the node agent's), as JSON patches that
 * touch one condition only.
 */
package io.kovn.ovn.status;

/**
 * The node agent's view of the Kubernetes API: its fabric8 client (made to load only the kinds it reads), its Node
 * and the pods scheduled to it.
 */
package io.kovn.node.kube;

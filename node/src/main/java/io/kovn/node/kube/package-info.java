/**
 * The node agent's view of the Kubernetes API: its fabric8 client (made to load only the kinds it reads), its Node
 * and the pods scheduled to it, read as the agent's own slim types (AgentPod, AgentNode).
 */
package io.kovn.node.kube;

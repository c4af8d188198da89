/** `kovn bench cni`: CNI ADD through bin/kovn-cni and the agent against a shell-script floor on the same node. */
package io.kovn.bench.cni;

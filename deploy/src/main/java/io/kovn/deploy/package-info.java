/**
 * Kubernetes objects kovn ships as classpath resources: the admission policy that keeps {@code k8s.ovn.org/}
 * annotations on pods and nodes in kovn's hands (docs/admission.md), which {@code kovn manifests}
 * ({@link io.kovn.deploy.manifests}) puts into the generated manifests verbatim.
 */
package io.kovn.deploy;

/**
 * Kubernetes objects kovn ships as classpath resources for its deployment manifests: today the admission policy
 * that keeps {@code k8s.ovn.org/} annotations on pods and nodes in kovn's hands (docs/admission.md).
 */
package io.kovn.deploy;

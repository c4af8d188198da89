/**
 * {@code kovn manifests}: the Kubernetes objects that run kovn on a cluster, built as fabric8 typed objects from
 * one source and written as plain YAML. The ConfigMap's files are made with the controller's and node agent's own
 * option declarations, and the RBAC rules from {@link io.kovn.deploy.manifests.KubernetesApiUse}, the table of the
 * requests the components make.
 */
package io.kovn.deploy.manifests;

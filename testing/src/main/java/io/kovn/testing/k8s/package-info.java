/** fabric8's mock API server as kovn's tests, benchmarks and the sandbox use it. */
package io.kovn.testing.k8s;

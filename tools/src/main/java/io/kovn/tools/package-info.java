/**
 * Troubleshooting tools that read the cluster as it is: {@code kovn trace} (why can A reach B or not, naming the
 * Kubernetes object that decided), {@code kovn audit} (NB rows that differ from what the objects imply) and
 * {@code kovn topology} (the logical network as a picture). They only read, but for {@code kovn audit --fix}.
 */
package io.kovn.tools;

/**
 * `kovn bench node-footprint`: the node agent's memory and threads, in a JVM of its own started as the sandbox starts
 * it.
 */
package io.kovn.bench.node;

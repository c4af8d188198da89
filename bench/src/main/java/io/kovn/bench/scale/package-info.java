/**
 * {@code kovn bench scale}: the controller at cluster sizes no test API server reaches. {@link
 * io.kovn.bench.scale.MemoryCluster} stands in for the API server behind the controller's {@code ClusterApi} seam
 * (informers fed from memory, writes echoed back as watch events), {@link io.kovn.bench.scale.ClusterGenerator}
 * makes a seeded cluster of slim objects, and {@link io.kovn.bench.scale.ScaleBench} measures cold start against a
 * raw-replay floor ({@link io.kovn.bench.scale.NbReplay}), idle restart, churn ({@link io.kovn.bench.scale.PodChurn}),
 * policy updates and memory against a real NB ovsdb-server.
 */
package io.kovn.bench.scale;

/**
 * {@code kovn trace SRC DST}: a microflow built from the endpoints' NB ports, run through the real
 * {@code ovn-trace} against the Southbound, its output parsed ({@link io.kovn.tools.trace.OvnTraceOutput}) and
 * summarized with the NetworkPolicy or namespace isolation that decided it ({@link io.kovn.tools.trace.TraceSummary}).
 */
package io.kovn.tools.trace;

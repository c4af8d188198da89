package io.kovn.tools.trace;

/**
 * The outcome of {@code kovn trace}: what was traced, the microflow given to ovn-trace, the summary, and
 * ovn-trace's own output ({@code -v}).
 */
public record TraceReport(String source, String destination, String datapath, String microflow,
                          TraceSummary summary, String ovnTrace) {

    public String render(boolean verbose) {
        String s = summary.render(source, destination);
        return verbose ? s + "\novn-trace " + datapath + " '" + microflow + "'\n\n" + ovnTrace : s;
    }
}

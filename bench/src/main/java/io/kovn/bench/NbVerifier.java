package io.kovn.bench;

import io.kovn.testing.OvnDaemons;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks through ovn-nbctl, independently of the writer, that a variant really created its ports. */
final class NbVerifier {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private NbVerifier() {
    }

    /**
     * Throws unless NB holds exactly {@code expected} ports tagged kovn=bench, all of them on the bench
     * switch, and the last one carries its address; returns the number found.
     */
    static int verify(OvnDaemons nb, String variant, int expected) {
        long tagged = nb.nbctl("--bare", "--columns=name", "find", "logical_switch_port",
                "external_ids:" + BenchPorts.TAG_KEY + "=" + BenchPorts.TAG_VALUE).lines().filter(l -> !l.isBlank()).count();
        Matcher m = UUID.matcher(nb.nbctl("get", "logical_switch", BenchPorts.SWITCH, "ports"));
        int onSwitch = 0;
        while (m.find()) {
            onSwitch++;
        }
        if (tagged != expected || onSwitch != expected) {
            throw new IllegalStateException("verification failed after " + variant + ": expected " + expected
                    + " ports on logical switch " + BenchPorts.SWITCH + ", found " + tagged + " ports tagged "
                    + BenchPorts.TAG_KEY + "=" + BenchPorts.TAG_VALUE + " and " + onSwitch + " in the switch's ports");
        }
        int last = expected - 1;
        String address = nb.nbctl("lsp-get-addresses", BenchPorts.name(last));
        if (!address.equals(BenchPorts.address(last))) {
            throw new IllegalStateException("verification failed after " + variant + ": port " + BenchPorts.name(last)
                    + " has addresses '" + address + "', expected '" + BenchPorts.address(last) + "'");
        }
        return onSwitch;
    }
}

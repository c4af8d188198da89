package io.kovn.bench;

import java.util.List;
import java.util.Map;

/**
 * The logical switch ports every variant writes, identical across variants (and in ovsdb_idl_bench.py):
 * port i is {@code p<i>} with a pod-style address derived from 10.244.0.0/16 and two external_ids.
 */
final class BenchPorts {
    static final String SWITCH = "sw0";
    static final String TAG_KEY = "kovn";
    static final String TAG_VALUE = "bench";
    static final String OWNER_KEY = "k8s.ovn.org/owner";
    /** 254 hosts in each of the 256 /24s of 10.244.0.0/16. */
    static final int MAX_PORTS = 254 * 256;

    private BenchPorts() {
    }

    static String name(int i) {
        return "p" + i;
    }

    /** "MAC IP" as ovn-kubernetes writes it: the MAC is 0a:58 followed by the IPv4 address. */
    static String address(int i) {
        int a = i / 254;
        int b = i % 254 + 1;
        return "0a:58:0a:f4:" + hex(a) + ":" + hex(b) + " 10.244." + a + "." + b;
    }

    private static String hex(int octet) {
        return octet < 16 ? "0" + Integer.toHexString(octet) : Integer.toHexString(octet);
    }

    static Map<String, String> externalIds(int i) {
        return Map.of(OWNER_KEY, "ns/pod-" + i, TAG_KEY, TAG_VALUE);
    }

    /** The ovn-nbctl commands (without a leading "--") that add port i with its address and external_ids. */
    static List<String> nbctlCommands(int i) {
        String name = name(i);
        return List.of("lsp-add", SWITCH, name,
                "--", "lsp-set-addresses", name, address(i),
                "--", "set", "logical_switch_port", name,
                "external_ids:\"" + OWNER_KEY + "\"=\"ns/pod-" + i + "\"", "external_ids:" + TAG_KEY + "=" + TAG_VALUE);
    }
}

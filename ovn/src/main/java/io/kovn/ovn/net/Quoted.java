package io.kovn.ovn.net;

import io.kovn.ovsdb.wire.OvsdbJson;

/**
 * A value from outside, fit for an error message: JSON-quoted (a newline shows as {@code \n}, never as a line
 * break) and cut to {@value #MAX_CHARS} characters, so a hostile value can neither forge log lines nor flood them.
 */
public final class Quoted {
    static final int MAX_CHARS = 80;

    private Quoted() {
    }

    public static String of(String value) {
        if (value == null) {
            return "null";
        }
        String cut = value.length() > MAX_CHARS ? value.substring(0, MAX_CHARS) + "..." : value;
        return OvsdbJson.NODES.stringNode(cut).toString();
    }
}

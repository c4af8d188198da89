package io.kovn.ovsdb.wire;

import java.util.regex.Pattern;

/**
 * An OVSDB uuid atom. A named uuid ({@code ["named-uuid", "x"]}) refers to a row inserted earlier in the same
 * transaction; it is only valid inside a transaction, never read back from the server.
 *
 * <p>A uuid in its canonical form (the server's: 36 lowercase hex digits and dashes) is held as two longs, not as
 * its text: a replica holds one per row and per reference (ports of switches and port groups), some 350,000 at
 * 100,000 pods, and the text would triple their size. Anything else keeps its text.
 */
public final class Uuid implements Comparable<Uuid> {
    private static final Pattern UUID_NAME = Pattern.compile("[_a-zA-Z][_a-zA-Z0-9]*");
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** {@link #low} of a named uuid. */
    private static final long NAMED = 1;

    private final long high;
    private final long low;
    /**
     * The text of a named or non-canonical uuid; null for a canonical one (in {@link #high} and {@link #low}, which
     * for one with a text tell only whether it is named: {@link #NAMED} in {@link #low}, a field less per uuid).
     */
    private final String text;

    private Uuid(long high, long low, String text) {
        this.high = high;
        this.low = low;
        this.text = text;
    }

    public static Uuid of(String value) {
        if (canonical(value)) {
            return new Uuid(hex(value, 0, 8) << 32 | hex(value, 9, 13) << 16 | hex(value, 14, 18),
                    hex(value, 19, 23) << 48 | hex(value, 24, 36), null);
        }
        return new Uuid(0, 0, value);
    }

    /** A reference to the row inserted with {@code uuid-name} {@code name} in the same transaction. */
    public static Uuid named(String name) {
        if (!UUID_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid uuid-name '" + name + "': must match [_a-zA-Z][_a-zA-Z0-9]*");
        }
        return new Uuid(0, NAMED, name);
    }

    /** A fresh random (version 4) uuid, for a row whose uuid the client chooses. */
    public static Uuid random() {
        java.util.UUID u = java.util.UUID.randomUUID();
        return new Uuid(u.getMostSignificantBits(), u.getLeastSignificantBits(), null);
    }

    /** Whether this is a uuid in the server's canonical form (not named, not some other text). */
    public boolean isCanonical() {
        return text == null;
    }

    /** Whether {@code s} is 8-4-4-4-12 lowercase hex digits. */
    private static boolean canonical(String s) {
        if (s.length() != 36 || s.charAt(8) != '-' || s.charAt(13) != '-' || s.charAt(18) != '-' || s.charAt(23) != '-') {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                continue;
            }
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The lowercase hex digits {@code s[from..to)} as a number. */
    private static long hex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            v = v << 4 | (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return v;
    }

    public String value() {
        if (text != null) {
            return text;
        }
        char[] out = new char[36];
        digits(out, 0, high >>> 32, 8);
        out[8] = '-';
        digits(out, 9, high >>> 16, 4);
        out[13] = '-';
        digits(out, 14, high, 4);
        out[18] = '-';
        digits(out, 19, low >>> 48, 4);
        out[23] = '-';
        digits(out, 24, low, 12);
        return new String(out);
    }

    /** The low {@code count} hex digits of {@code v} into {@code out[at..at+count)}. */
    private static void digits(char[] out, int at, long v, int count) {
        for (int i = count - 1; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    public boolean isNamed() {
        return text != null && low == NAMED;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Uuid u && u.high == high && u.low == low
                && (text == null ? u.text == null : text.equals(u.text));
    }

    @Override
    public int hashCode() {
        int h = text == null ? Long.hashCode(high * 31 + low) : text.hashCode();
        return h * 31 + (isNamed() ? 1 : 0);
    }

    /** In the order of their text (for canonical uuids, the order of the two numbers taken unsigned). */
    @Override
    public int compareTo(Uuid o) {
        if (text == null && o.text == null) {
            int c = Long.compareUnsigned(high, o.high);
            return c != 0 ? c : Long.compareUnsigned(low, o.low);
        }
        return value().compareTo(o.value());
    }

    @Override
    public String toString() {
        return isNamed() ? "named-uuid:" + value() : value();
    }
}

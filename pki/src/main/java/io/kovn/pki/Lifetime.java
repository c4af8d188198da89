package io.kovn.pki;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Certificate lifetimes as written on the command line: a whole number of days, hours or minutes. */
public final class Lifetime {
    private static final Pattern FORM = Pattern.compile("([1-9][0-9]{0,5})([dhm])");
    /** Longer than any sensible CA; keeps notAfter far from the X.509 date limits. */
    private static final Duration MAX = Duration.ofDays(36_500);

    private Lifetime() {
    }

    /** {@code 365d}, {@code 12h} or {@code 30m}. */
    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("lifetime '" + text + "' is not a number followed by d, h or m "
                    + "(e.g. 365d, 12h, 30m)");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("lifetime '" + text + "' is longer than " + MAX.toDays() + " days");
        }
        return d;
    }
}

package io.kovn.ovn.config;

import io.kovn.ovn.net.Ipv4Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One option of a kovn program, declared once: its name (the flag is {@code --name}, the config-file key is
 * {@code name}, the environment variable {@code KOVN_NAME}), its type and parser (which says what is allowed),
 * its default, its help text, whether it is a secret (redacted when shown), and for node options the
 * Open_vSwitch external_ids key whose value stands in for the default. Immutable: each wither returns a copy.
 *
 * @param <T> the parsed value's type
 */
public final class Option<T> {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final String name;
    private final String type;
    private final Function<String, T> parser;
    private final String help;
    private final String defaultValue;
    private final String defaultHelp;
    private final boolean secret;
    private final boolean required;
    private final String ovsKey;
    private final boolean bool;
    private final boolean list;

    private Option(String name, String type, Function<String, T> parser, String help, String defaultValue,
                   String defaultHelp, boolean secret, boolean required, String ovsKey, boolean bool, boolean list) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("option name '" + name + "' is not lower-case-with-dashes");
        }
        this.name = name;
        this.type = type;
        this.parser = parser;
        this.help = help;
        this.defaultValue = defaultValue;
        this.defaultHelp = defaultHelp;
        this.secret = secret;
        this.required = required;
        this.ovsKey = ovsKey;
        this.bool = bool;
        this.list = list;
    }

    /** An option of any type; {@code parser} throws IllegalArgumentException saying what is allowed. */
    public static <T> Option<T> of(String name, String type, Function<String, T> parser, String help) {
        return new Option<>(name, type, parser, help, null, null, false, false, null, false, false);
    }

    public static Option<String> string(String name, String help) {
        return of(name, "string", s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("a non-empty string");
            }
            return s;
        }, help);
    }

    public static Option<Integer> integer(String name, int min, int max, String help) {
        return of(name, "integer", s -> {
            try {
                int n = Integer.parseInt(s.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below with the allowed range
            }
            throw new IllegalArgumentException("an integer from " + min + " to " + max);
        }, help);
    }

    public static Option<Path> path(String name, String help) {
        return of(name, "path", s -> {
            if (s.isBlank() || s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a file system path");
            }
            return Path.of(s);
        }, help);
    }

    /** A switch: {@code --name} / {@code --no-name} as flags, true or false elsewhere. */
    public static Option<Boolean> bool(String name, String help) {
        return new Option<>(name, "boolean", s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("true or false");
        }, help, null, null, false, false, null, true, false);
    }

    public static Option<String> choice(String name, List<String> allowed, String help) {
        return of(name, String.join("|", allowed), s -> {
            if (!allowed.contains(s.trim())) {
                throw new IllegalArgumentException("one of " + String.join(", ", allowed));
            }
            return s.trim();
        }, help);
    }

    public static Option<Ipv4Cidr> cidr(String name, String help) {
        return of(name, "CIDR", Option::parseCidr, help);
    }

    /** An IPv4 or IPv6 address written out; a host name is refused (binding must not depend on name resolution). */
    public static Option<InetAddress> ipAddress(String name, String help) {
        return of(name, "IP address", s -> {
            String v = s.trim();
            if (!IPV4_LITERAL.matcher(v).matches() && !IPV6_LITERAL.matcher(v).matches()) {
                throw new IllegalArgumentException("an IP address such as 127.0.0.1 or 0.0.0.0");
            }
            try {
                return InetAddress.getByName(v);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("an IP address such as 127.0.0.1 or 0.0.0.0");
            }
        }, help);
    }

    /** A comma-separated list of CIDRs (a YAML list in the config file); may be empty. */
    public static Option<List<Ipv4Cidr>> cidrs(String name, String help) {
        return new Option<>(name, "CIDR list", s -> Arrays.stream(s.split(",")).map(String::trim)
                .filter(x -> !x.isEmpty()).map(Option::parseCidr).toList(), help, null, null, false, false, null,
                false, true);
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, a bare number of seconds, or ISO-8601; not negative. */
    public static Option<Duration> duration(String name, String help) {
        return of(name, "duration", s -> {
            Matcher m = DURATION.matcher(s.trim());
            try {
                if (s.trim().matches("\\d{1,9}")) {
                    return Duration.ofSeconds(Long.parseLong(s.trim()));
                }
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    return switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    };
                }
                Duration d = Duration.parse(s.trim());
                if (!d.isNegative()) {
                    return d;
                }
            } catch (RuntimeException e) {
                // reported below
            }
            throw new IllegalArgumentException("a duration such as 500ms, 30s, 5m or 1h");
        }, help);
    }

    private static Ipv4Cidr parseCidr(String s) {
        try {
            return Ipv4Cidr.parse(s.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("an IPv4 CIDR such as 10.244.0.0/16");
        }
    }

    public Option<T> defaultValue(String raw) {
        return new Option<>(name, type, parser, help, raw, defaultHelp, secret, required, ovsKey, bool, list);
    }

    /** What the default is when it is computed at start (no {@link #defaultValue(String)}), for help and docs. */
    public Option<T> defaultHelp(String text) {
        return new Option<>(name, type, parser, help, defaultValue, text, secret, required, ovsKey, bool, list);
    }

    public Option<T> secret() {
        return new Option<>(name, type, parser, help, defaultValue, defaultHelp, true, required, ovsKey, bool, list);
    }

    public Option<T> required() {
        return new Option<>(name, type, parser, help, defaultValue, defaultHelp, secret, true, ovsKey, bool, list);
    }

    /** On a node, this Open_vSwitch external_ids key gives the value when no file, env or flag does. */
    public Option<T> ovsKey(String key) {
        return new Option<>(name, type, parser, help, defaultValue, defaultHelp, secret, required, key, bool, list);
    }

    /** A further check after parsing; {@code allowed} says what passes. */
    public Option<T> validate(Predicate<T> ok, String allowed) {
        Function<String, T> p = parser.andThen(v -> {
            if (!ok.test(v)) {
                throw new IllegalArgumentException(allowed);
            }
            return v;
        });
        return new Option<>(name, type, p, help, defaultValue, defaultHelp, secret, required, ovsKey, bool, list);
    }

    /** Parses a raw value; IllegalArgumentException's message says what is allowed. */
    public T parse(String raw) {
        return parser.apply(Objects.requireNonNull(raw, "raw"));
    }

    /** The parsed default, or null when there is none. */
    public T defaultParsed() {
        return defaultValue == null ? null : parse(defaultValue);
    }

    public String name() {
        return name;
    }

    public String flag() {
        return "--" + name;
    }

    public String env() {
        return "KOVN_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public String key() {
        return name;
    }

    public String type() {
        return type;
    }

    /** What help and docs show for the value: the type, or the choices. */
    public String label() {
        return type.contains("|") ? type : type.toUpperCase(Locale.ROOT).replace(' ', '_');
    }

    public String help() {
        return help;
    }

    public String defaultRaw() {
        return defaultValue;
    }

    /** The default as docs and help show it. */
    public String defaultText() {
        if (defaultValue != null) {
            return defaultValue.isEmpty() ? "(empty)" : defaultValue;
        }
        return defaultHelp != null ? defaultHelp : required ? "(required)" : "(none)";
    }

    public boolean isSecret() {
        return secret;
    }

    public boolean isRequired() {
        return required;
    }

    public boolean isBoolean() {
        return bool;
    }

    public boolean isList() {
        return list;
    }

    public String ovsKey() {
        return ovsKey;
    }

    @Override
    public String toString() {
        return flag();
    }
}

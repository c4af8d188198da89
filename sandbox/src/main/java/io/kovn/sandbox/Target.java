package io.kovn.sandbox;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What {@code kovn sandbox kill|restart} acts on, parsed strictly from its words: {@code nb-leader},
 * {@code sb-leader}, {@code nb-member N}, {@code sb-member N}, {@code northd-active}, {@code northd N},
 * {@code controller-leader}, {@code controller N}, {@code node-agent NODE}, {@code ovn-controller NODE}. The
 * leader and active forms are resolved when the command runs, to the member, northd or controller that leads then.
 *
 * @param kind what kind of process
 * @param arg  the member or instance number, or the node name; null for the kinds without one
 */
public record Target(Kind kind, String arg) {
    private static final Pattern NUMBER = Pattern.compile("[1-9]");
    private static final Pattern NODE = Pattern.compile("node[1-9][0-9]?");

    /** The kinds, each with its word and what follows it. */
    public enum Kind {
        NB_LEADER("nb-leader", null),
        SB_LEADER("sb-leader", null),
        NB_MEMBER("nb-member", "N"),
        SB_MEMBER("sb-member", "N"),
        NORTHD_ACTIVE("northd-active", null),
        NORTHD("northd", "N"),
        CONTROLLER_LEADER("controller-leader", null),
        CONTROLLER("controller", "N"),
        NODE_AGENT("node-agent", "NODE"),
        OVN_CONTROLLER("ovn-controller", "NODE");

        private final String word;
        private final String argName;

        Kind(String word, String argName) {
            this.word = word;
            this.argName = argName;
        }

        public String word() {
            return word;
        }

        String usage() {
            return argName == null ? word : word + " " + argName;
        }
    }

    /** Every form, for help and error messages. */
    public static String usage() {
        return Arrays.stream(Kind.values()).map(Kind::usage).collect(Collectors.joining(", "));
    }

    /** Parses the words; throws IllegalArgumentException saying what is accepted. */
    public static Target parse(List<String> words) {
        if (words.isEmpty()) {
            throw new IllegalArgumentException("name a target: " + usage());
        }
        Kind kind = Arrays.stream(Kind.values()).filter(k -> k.word.equals(words.get(0))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown target " + printable(words.get(0)) + ": use "
                        + usage()));
        int expected = kind.argName == null ? 1 : 2;
        if (words.size() != expected) {
            throw new IllegalArgumentException("usage: " + kind.usage());
        }
        if (kind.argName == null) {
            return new Target(kind, null);
        }
        String arg = words.get(1);
        Pattern p = kind.argName.equals("N") ? NUMBER : NODE;
        if (!p.matcher(arg).matches()) {
            throw new IllegalArgumentException(kind.word + ": " + printable(arg) + " is not a "
                    + (p == NUMBER ? "member number (1-9)" : "node name (node1, node2...)"));
        }
        return new Target(kind, arg);
    }

    /** The number argument. */
    int number() {
        return Integer.parseInt(arg);
    }

    @Override
    public String toString() {
        return arg == null ? kind.word : kind.word + " " + arg;
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + cut.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }
}

package io.kovn.controller.underlay;

import io.kovn.ovn.net.Quoted;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The security profiles a pod asks for: annotation {@value #ANNOTATION}, profile names separated by commas (at most
 * {@value #MAX_PROFILES}, each 1-64 letters, digits, '_', '.', '-'). Whoever creates the pod writes it, so anything
 * else is refused as a whole.
 */
public record PodProfiles(Set<String> names) {
    public static final String ANNOTATION = "kovn.io/security-profiles";
    static final int MAX_PROFILES = 16;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public PodProfiles {
        names = Set.copyOf(names);
    }

    public static PodProfiles parse(String value) {
        if (value.length() > MAX_PROFILES * 66) {
            throw new IllegalArgumentException(ANNOTATION + " is longer than " + MAX_PROFILES * 66 + " characters");
        }
        List<String> names = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String name = part.strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(ANNOTATION + ": " + Quoted.of(name)
                        + " is not a profile name (1-64 letters, digits, '_', '.', '-')");
            }
            names.add(name);
        }
        if (names.size() > MAX_PROFILES) {
            throw new IllegalArgumentException(ANNOTATION + " names more than " + MAX_PROFILES + " profiles");
        }
        return new PodProfiles(new LinkedHashSet<>(names));
    }
}

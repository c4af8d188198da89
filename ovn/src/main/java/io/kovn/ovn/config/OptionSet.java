package io.kovn.ovn.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The options of one program (kovn controller, kovn node, ...), in the order help and docs list them. */
public final class OptionSet {
    private final String program;
    private final String description;
    private final Map<String, Option<?>> options = new LinkedHashMap<>();

    private OptionSet(String program, String description, List<Option<?>> all) {
        this.program = program;
        this.description = description;
        for (Option<?> o : all) {
            if (o.name().equals(ConfigSources.CONFIG.name()) || options.putIfAbsent(o.name(), o) != null) {
                throw new IllegalArgumentException(program + ": option " + o.flag() + " declared twice");
            }
        }
    }

    public static OptionSet of(String program, String description, List<? extends Option<?>> options) {
        return new OptionSet(program, description, List.copyOf(options));
    }

    public String program() {
        return program;
    }

    public String description() {
        return description;
    }

    public List<Option<?>> options() {
        return List.copyOf(options.values());
    }

    public Optional<Option<?>> find(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public boolean contains(Option<?> o) {
        return options.get(o.name()) == o;
    }
}

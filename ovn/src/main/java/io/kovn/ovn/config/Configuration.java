package io.kovn.ovn.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A program's effective configuration: each option's value and where it came from. */
public final class Configuration {
    /** The value of one option; {@code origin} names the flag, variable, file or external_ids key. */
    public record Value(Object value, String raw, Source source, String origin) {
    }

    private static final String REDACTED = "<redacted>";

    private final OptionSet set;
    private final Map<String, Value> values;

    Configuration(OptionSet set, Map<String, Value> values) {
        this.set = set;
        this.values = new LinkedHashMap<>(values);
    }

    public OptionSet optionSet() {
        return set;
    }

    /** The value, or null when the option has no default and was not given. */
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        Value v = value(option);
        return v == null ? null : (T) v.value();
    }

    /** The value as it was given (a flag's text, a file's value), or null when there is none. */
    public String raw(Option<?> option) {
        Value v = value(option);
        return v == null ? null : v.raw();
    }

    public Source source(Option<?> option) {
        Value v = value(option);
        return v == null ? Source.DEFAULT : v.source();
    }

    /** True when a source other than the default gave the option. */
    public boolean given(Option<?> option) {
        return source(option) != Source.DEFAULT;
    }

    private Value value(Option<?> option) {
        if (!set.contains(option)) {
            throw new IllegalArgumentException(option.flag() + " is not an option of " + set.program());
        }
        return values.get(option.name());
    }

    /** One line per option: name, value (secrets redacted) and source; what {@code kovn config show} prints. */
    public List<String> describe() {
        int width = set.options().stream().mapToInt(o -> o.name().length()).max().orElse(0);
        List<String> lines = new ArrayList<>();
        for (Option<?> o : set.options()) {
            Value v = values.get(o.name());
            String shown = v == null ? o.defaultText() : o.isSecret() ? REDACTED : v.raw();
            String from = v == null ? "default" : v.source() == Source.DEFAULT ? "default"
                    : v.source().label() + " " + v.origin();
            lines.add(String.format("%-" + width + "s = %s  [%s]", o.name(), shown, from));
        }
        return lines;
    }
}

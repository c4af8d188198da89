package io.kovn.ovn.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * A program's options mounted as a picocli command: every {@link Option} becomes its flag, {@code --config} names
 * the YAML file, the environment is read, and the body runs with the resolved {@link Configuration}. The same
 * command is {@code kovn <program>} and the program's own main class, so both parse exactly the same flags.
 */
public final class ProgramCommand {
    /** Exit code of a configuration error (picocli's usage-error code). */
    public static final int CONFIG_ERROR = 2;

    /** Turns the sources into the configuration (a node also reads its Open_vSwitch external_ids). */
    @FunctionalInterface
    public interface Resolver {
        Configuration resolve(ConfigSources sources);
    }

    /** What the program does with its configuration; returns the exit code. */
    @FunctionalInterface
    public interface Body {
        int run(Configuration cfg) throws Exception;
    }

    private ProgramCommand() {
    }

    public static CommandLine commandLine(OptionSet set, Body body) {
        return commandLine(set, System.getenv(), s -> s.resolve(set), body);
    }

    public static CommandLine commandLine(OptionSet set, Map<String, String> env, Resolver resolver, Body body) {
        CommandLine[] self = new CommandLine[1];
        Callable<Integer> call = () -> {
            CommandLine cl = self[0];
            try {
                Configuration cfg = resolver.resolve(ConfigSources.of(flags(cl.getParseResult(), set), env));
                return body.run(cfg);
            } catch (ConfigException e) {
                cl.getErr().println(set.program() + ": " + e.getMessage());
                return CONFIG_ERROR;
            }
        };
        CommandSpec spec = CommandSpec.wrapWithoutInspection(call);
        spec.name(set.program());
        spec.mixinStandardHelpOptions(true);
        spec.usageMessage().description(set.description()).sortOptions(false);
        spec.addOption(optionSpec(ConfigSources.CONFIG));
        set.options().forEach(o -> spec.addOption(optionSpec(o)));
        self[0] = new CommandLine(spec);
        return self[0];
    }

    private static OptionSpec optionSpec(Option<?> o) {
        String about = o.help() + " (default: " + o.defaultText() + (o.ovsKey() == null ? ""
                : "; else external_ids:" + o.ovsKey()) + "; env " + o.env() + ")";
        OptionSpec.Builder b = OptionSpec.builder(o.flag()).description(about.replace("%", "%%"));
        if (o.isBoolean()) {
            b.type(boolean.class).arity("0").negatable(true);
        } else if (o.isList()) {
            b.type(List.class).auxiliaryTypes(String.class).splitRegex(",").paramLabel(o.label());
        } else {
            b.type(String.class).paramLabel(o.label());
        }
        return b.build();
    }

    /** The options given as flags, as raw strings. */
    private static Map<String, String> flags(ParseResult pr, OptionSet set) {
        Map<String, String> out = new LinkedHashMap<>();
        if (pr.hasMatchedOption(ConfigSources.CONFIG.flag())) {
            out.put(ConfigSources.CONFIG.name(), pr.matchedOptionValue(ConfigSources.CONFIG.flag(), ""));
        }
        for (Option<?> o : set.options()) {
            OptionSpec spec = pr.commandSpec().findOption(o.flag());
            if (!pr.hasMatchedOption(spec)) {
                continue;
            }
            Object v = spec.getValue();
            out.put(o.name(), v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                    : String.valueOf(v));
        }
        return out;
    }
}

package io.kovn.ovn.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The places a program's configuration comes from, lowest precedence first: the options' defaults, then (on a
 * node) the Open_vSwitch external_ids the original guides keep, then the config file ({@code --config} or
 * {@code KOVN_CONFIG}), then environment variables ({@code KOVN_...}), then flags.
 *
 * @param file  the config file, or null
 * @param env   the environment (only {@code KOVN_} variables of the program's options are read)
 * @param flags raw flag values by option name
 * @param ovs   the local Open_vSwitch external_ids (empty when not read)
 */
public record ConfigSources(ConfigFile file, Map<String, String> env, Map<String, String> flags,
                            Map<String, String> ovs) {
    /** The config file option every program has. */
    public static final Option<Path> CONFIG = Option.path("config",
            "YAML file of option names to values (docs/configuration.md); env and flags override it");

    public ConfigSources {
        env = Map.copyOf(env);
        flags = Map.copyOf(flags);
        ovs = Map.copyOf(ovs);
    }

    /** Reads the config file named by the {@code config} flag, else by {@code KOVN_CONFIG}. */
    public static ConfigSources of(Map<String, String> flags, Map<String, String> env) {
        String file = flags.containsKey(CONFIG.name()) ? flags.get(CONFIG.name()) : env.get(CONFIG.env());
        Map<String, String> rest = new LinkedHashMap<>(flags);
        rest.remove(CONFIG.name());
        return new ConfigSources(file == null ? null : ConfigFile.read(Path.of(file)), env, rest, Map.of());
    }

    public ConfigSources withOvs(Map<String, String> externalIds) {
        return new ConfigSources(file, env, flags, externalIds);
    }

    /** Every option's value; fails with the first invalid, missing or unknown one. */
    public Configuration resolve(OptionSet set) {
        if (file != null) {
            for (String key : file.values().keySet()) {
                if (set.find(key).isEmpty()) {
                    throw new ConfigException("config file " + file.path() + ": unknown key '" + key + "' for "
                            + set.program() + " (its keys are listed in docs/configuration.md)");
                }
            }
        }
        for (String name : flags.keySet()) {
            if (set.find(name).isEmpty()) {
                throw new IllegalArgumentException("--" + name + " is not an option of " + set.program());
            }
        }
        Map<String, Configuration.Value> values = new LinkedHashMap<>();
        for (Option<?> o : set.options()) {
            Configuration.Value v = pick(o);
            if (v == null && o.isRequired()) {
                throw new ConfigException("missing " + o.flag() + " (" + o.help() + "): give the flag, " + o.env()
                        + " or the key " + o.key() + " in the config file");
            }
            if (v != null) {
                values.put(o.name(), v);
            }
        }
        return new Configuration(set, values);
    }

    private Configuration.Value pick(Option<?> o) {
        for (Candidate c : List.of(
                new Candidate(Source.FLAG, flagSpelling(o), flags.get(o.name())),
                new Candidate(Source.ENV, o.env(), env.get(o.env())),
                new Candidate(Source.FILE, file == null ? "" : file.path() + " (key " + o.key() + ")",
                        file == null ? null : file.values().get(o.key())),
                new Candidate(Source.OVS, "external_ids:" + o.ovsKey(), o.ovsKey() == null ? null : ovs.get(o.ovsKey())),
                new Candidate(Source.DEFAULT, "default", o.defaultRaw()))) {
            if (c.raw() != null) {
                return c.parse(o);
            }
        }
        return null;
    }

    /** {@code --no-name} for a switch given as false. */
    private String flagSpelling(Option<?> o) {
        return o.isBoolean() && "false".equals(flags.get(o.name())) ? "--no-" + o.name() : o.flag();
    }

    private record Candidate(Source source, String origin, String raw) {
        Configuration.Value parse(Option<?> o) {
            try {
                return new Configuration.Value(o.parse(raw), raw, source, origin);
            } catch (IllegalArgumentException e) {
                String shown = o.isSecret() ? "<redacted>" : "'" + raw + "'";
                throw new ConfigException("invalid " + o.flag() + " from " + source.label() + " " + origin + ": "
                        + shown + "; allowed: " + e.getMessage());
            }
        }
    }
}

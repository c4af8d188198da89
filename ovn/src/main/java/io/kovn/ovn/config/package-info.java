/**
 * One options model for every kovn program: each {@link io.kovn.ovn.config.Option} is declared once (name, type,
 * default, validation, help, environment variable, config-file key, and for the node the Open_vSwitch
 * external_ids key it falls back to); {@link io.kovn.ovn.config.ConfigSources} resolves a program's
 * {@link io.kovn.ovn.config.OptionSet} from defaults, OVS external_ids, a YAML config file, environment and
 * flags, in that order of precedence; {@link io.kovn.ovn.config.ProgramCommand} mounts an option set as a picocli
 * command, so {@code kovn <program>} and the program's own main class parse the same flags.
 */
package io.kovn.ovn.config;

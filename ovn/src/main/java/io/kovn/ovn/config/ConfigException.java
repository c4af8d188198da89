package io.kovn.ovn.config;

/** A configuration a program cannot start with; the message is one line naming the option, its source and what is allowed. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}

package io.kovn.ovn.config;

/** Where a value came from, lowest precedence first: a later source overrides an earlier one. */
public enum Source {
    DEFAULT("default"),
    OVS("OVS external_ids"),
    FILE("config file"),
    ENV("environment"),
    FLAG("flag");

    private final String label;

    Source(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}

package io.kovn.ovn;

/** Names of the databases kovn talks to. */
public final class Databases {
    public static final String NORTHBOUND = "OVN_Northbound";
    public static final String SOUTHBOUND = "OVN_Southbound";
    public static final String VSWITCH = "Open_vSwitch";

    private Databases() {
    }
}

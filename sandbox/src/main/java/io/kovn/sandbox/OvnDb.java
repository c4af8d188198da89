package io.kovn.sandbox;

import java.nio.file.Path;

/** The two central OVN databases: their names, schemas and the ports their members use. */
public enum OvnDb {
    NB("nb", "OVN_Northbound", "/usr/share/ovn/ovn-nb.ovsschema", 6641, 6643),
    SB("sb", "OVN_Southbound", "/usr/share/ovn/ovn-sb.ovsschema", 6642, 6644);

    private final String prefix;
    private final String dbName;
    private final Path schema;
    private final int clientPort;
    private final int raftPort;

    OvnDb(String prefix, String dbName, String schema, int clientPort, int raftPort) {
        this.prefix = prefix;
        this.dbName = dbName;
        this.schema = Path.of(schema);
        this.clientPort = clientPort;
        this.raftPort = raftPort;
    }

    /** Short name: the file and socket prefix, and the word in {@code nb-leader}, {@code nb-member N}. */
    public String prefix() {
        return prefix;
    }

    public String dbName() {
        return dbName;
    }

    public Path schema() {
        return schema;
    }

    /** Where members serve clients (ovn-controller, ovn-northd): 6641 and 6642, OVN's defaults. */
    public int clientPort() {
        return clientPort;
    }

    /** Where clustered members talk RAFT to each other: 6643 and 6644, OVN's defaults. */
    public int raftPort() {
        return raftPort;
    }
}

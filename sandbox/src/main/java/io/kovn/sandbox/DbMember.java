package io.kovn.sandbox;

import java.nio.file.Path;

/**
 * One ovsdb-server of a central database: a standalone server ({@code index} 0, the default sandbox) or member
 * {@code index} (from 1) of a RAFT cluster ({@code --ha}), on the central host at {@code ip} with its files in
 * {@code dir}. Every address of a member (its client remote and listener, its RAFT address, its unix socket) is
 * built here and nowhere else.
 */
public record DbMember(OvnDb db, int index, String ip, Path dir, Transport transport) {

    public boolean clustered() {
        return index > 0;
    }

    /** {@code nb-member 2}, or {@code nb} when standalone: how status and kill name it. */
    public String label() {
        return clustered() ? db.prefix() + "-member " + index : db.prefix();
    }

    public Path file() {
        return dir.resolve(db.prefix() + ".db");
    }

    public Path socket() {
        return dir.resolve(db.prefix() + ".sock");
    }

    public Path ctl() {
        return dir.resolve(db.prefix() + ".ctl");
    }

    public Path log() {
        return dir.resolve(db.prefix() + ".log");
    }

    /** The unix socket, for clients on this machine in any namespace (sockets are files). */
    public String unixRemote() {
        return "unix:" + socket();
    }

    /** What clients on the network (ovn-controller, ovn-northd) connect to. */
    public String remote() {
        return transport.remote(ip, db.clientPort());
    }

    /** What the server listens on for them. */
    public String listener() {
        return transport.listener(ip, db.clientPort());
    }

    /** The member's RAFT address, given to {@code create-cluster} and {@code join-cluster}. */
    public String raftAddress() {
        return transport.remote(ip, db.raftPort());
    }
}

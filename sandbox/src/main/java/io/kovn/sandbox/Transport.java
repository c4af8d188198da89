package io.kovn.sandbox;

/**
 * How the central databases are reached over the network: the one place that turns an address and a port into
 * an OVSDB remote ({@code tcp:IP:PORT}, {@code ssl:IP:PORT} with {@code --tls}) or a listener ({@code ptcp:PORT:IP},
 * {@code pssl:PORT:IP}), for clients and for RAFT alike.
 * Unix sockets (the controller's and the tools' way on this machine) are not a transport choice: see
 * {@link DbMember#unixRemote()}.
 */
public enum Transport {
    TCP("tcp", "ptcp"),
    SSL("ssl", "pssl");

    private final String active;
    private final String passive;

    Transport(String active, String passive) {
        this.active = active;
        this.passive = passive;
    }

    /** What a client connects to: {@code tcp:IP:PORT}. */
    public String remote(String ip, int port) {
        return active + ":" + ip + ":" + port;
    }

    /** What a server listens on: {@code ptcp:PORT:IP}. */
    public String listener(String ip, int port) {
        return passive + ":" + port + ":" + ip;
    }
}

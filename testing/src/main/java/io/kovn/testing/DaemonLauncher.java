package io.kovn.testing;

import java.util.List;

/**
 * How an {@link OvnNode} runs its daemons (ovsdb-server, ovs-vswitchd, ovn-controller): by default this machine's
 * binaries inside the node's namespace; another launcher can run each as something else that uses the node's
 * namespace and directory, such as a container of an image (the sandbox's {@code --image}). The node's files
 * (database, sockets, pid files) must end up in {@link OvnNode#dir()} either way: the node's tools look there.
 */
public interface DaemonLauncher {
    /** Runs {@code command} inside the node's namespace. */
    DaemonLauncher NATIVE = (node, daemon, command) -> node.netns().inside(command);

    /**
     * The command line that runs {@code daemon} of {@code node} in the foreground until it is signalled;
     * {@code command} is the daemon's native command line.
     */
    List<String> command(OvnNode node, String daemon, List<String> command);

    /** Before the process of {@link #command} is killed as a crash would be: end what outlives it. */
    default void kill(OvnNode node, String daemon) {
    }
}

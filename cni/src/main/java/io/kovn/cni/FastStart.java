package io.kovn.cni;

/**
 * A start-up shortcut for the plugin's own short-lived JVM: the first socket channel initialises the default
 * SelectorProvider, which scans the class path for a provider (ServiceLoader) first; naming the provider class
 * skips the scan. (The other large cost, the SUN security provider that UnixDomainSockets initialises for the
 * random names of unbound sockets, cannot be avoided cheaply: installing a provider of our own in front
 * loads all the others.)
 */
final class FastStart {
    private FastStart() {
    }

    static void prepare() {
        if (System.getProperty("java.nio.channels.spi.SelectorProvider") == null) {
            System.setProperty("java.nio.channels.spi.SelectorProvider", "sun.nio.ch.EPollSelectorProvider");
        }
    }
}

package io.kovn.sandbox.e2e;

import io.kovn.sandbox.UnderlaySandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One underlay sandbox (two hypervisors, two worker VMs, a standalone VM, a physical host) for the underlay e2e
 * classes of this JVM, started before the first and closed by JUnit when the run ends, as {@link SharedSandbox} does
 * for the overlay one. Each VM's pool is {@value #POOL_SIZE} ports, small enough to exhaust. With system property
 * {@value #NEUTRON} = true the cloud runs a real neutron-server and the controller its Neutron back end.
 */
public final class SharedUnderlaySandbox implements BeforeAllCallback {
    static final int POOL_SIZE = 3;
    /** The system property that makes it the Neutron cloud ({@code kovn sandbox up --mode underlay --neutron}). */
    static final String NEUTRON = "kovn.e2e.neutron";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedUnderlaySandbox.class);
    private static volatile UnderlaySandbox sandbox;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NS).getOrComputeIfAbsent(Holder.class, k -> new Holder(), Holder.class);
    }

    public static UnderlaySandbox sandbox() {
        if (sandbox == null) {
            throw new IllegalStateException("use @ExtendWith(SharedUnderlaySandbox.class)");
        }
        return sandbox;
    }

    /** The store value JUnit closes at the end of the run. */
    static final class Holder implements AutoCloseable {
        Holder() {
            try {
                sandbox = UnderlaySandbox.start(new UnderlaySandbox.Options(Files.createTempDirectory("kovn-underlay-e2e-"),
                        POOL_SIZE, !Boolean.getBoolean("kovn.e2e.keepState"), Boolean.getBoolean(NEUTRON)), line -> System.out.println("underlay sandbox " + line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            UnderlaySandbox s = sandbox;
            sandbox = null;
            if (s != null) {
                s.close();
            }
        }
    }
}

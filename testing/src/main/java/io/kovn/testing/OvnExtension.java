package io.kovn.testing;

import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** JUnit 5 extension behind {@link WithOvn}; see there. */
public final class OvnExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OvnExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        daemons(context); // start before the first test so a broken setup fails the class early
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == OvnDaemons.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return daemons(context);
    }

    /**
     * The fixture lives in the store of the nearest class-level context whose class carries @WithOvn;
     * JUnit closes AutoCloseable store values when that context ends, i.e. after the class.
     */
    private static OvnDaemons daemons(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            ExtensionContext ctx = c.get();
            if (ctx.getTestMethod().isPresent() || ctx.getTestClass().isEmpty()) {
                continue;
            }
            Optional<WithOvn> ann = AnnotationSupport.findAnnotation(ctx.getRequiredTestClass(), WithOvn.class);
            if (ann.isPresent()) {
                return ctx.getStore(NS).getOrComputeIfAbsent(OvnDaemons.class, k -> start(ann.get()), OvnDaemons.class);
            }
        }
        throw new IllegalStateException("no @WithOvn on " + context.getTestClass().orElse(null)
                + " or its enclosing classes");
    }

    private static OvnDaemons start(WithOvn w) {
        OvnDaemons.Builder b = OvnDaemons.builder();
        if (w.nb()) {
            b.nb();
        }
        if (w.sb()) {
            b.sb();
        }
        if (w.northd()) {
            b.northd();
        }
        if (w.vswitch()) {
            b.vswitchDb();
        }
        if (w.ssl()) {
            b.ssl();
        }
        return b.start();
    }
}

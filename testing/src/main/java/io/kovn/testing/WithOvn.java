package io.kovn.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one {@link OvnDaemons} for the annotated test class (shared by its methods and by {@code @Nested}
 * classes without their own {@code @WithOvn}), stops it after the class, and injects it into
 * {@code OvnDaemons} parameters of constructors, {@code @BeforeAll}, {@code @BeforeEach} and test methods.
 * Tagged "integration" so {@code -Dsurefire.excludedGroups=integration} skips such classes.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag("integration")
@ExtendWith(OvnExtension.class)
public @interface WithOvn {
    boolean nb() default true;

    boolean sb() default false;

    /** Implies nb and sb. */
    boolean northd() default false;

    /** An Open_vSwitch database (no ovs-vswitchd). */
    boolean vswitch() default false;

    /** A mutual-TLS NB listener; implies nb. */
    boolean ssl() default false;
}

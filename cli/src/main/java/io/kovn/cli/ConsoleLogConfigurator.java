package io.kovn.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logging of every {@code kovn} program, set up in code: WARN and above from libraries, {@code io.kovn} at
 * {@code KOVN_LOG_LEVEL} (default INFO), one line each on standard error. In code rather than in a logback.xml
 * because reading XML loads logback's configuration framework and the JDK's XML parser, classes that every node
 * agent would keep in its metaspace for nothing (1.9 MiB of it in {@code kovn bench node-footprint}). A file given
 * with {@code -Dlogback.configurationFile} (the sandbox gives one) still wins: logback's own configurators read it.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    static final String LEVEL_ENV = "KOVN_LOG_LEVEL";
    private static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("io.kovn").setLevel(kovnLevel(System.getenv(LEVEL_ENV)));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The level {@code KOVN_LOG_LEVEL} names (TRACE, DEBUG, INFO, WARN, ERROR, OFF), INFO when unset or unknown. */
    static Level kovnLevel(String value) {
        return Level.toLevel(value, Level.INFO);
    }
}

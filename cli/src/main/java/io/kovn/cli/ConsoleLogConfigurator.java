package io.kovn.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * Logging of every {@code kovn} program, set up in code: WARN and above from libraries, {@code io.kovn} at
 * {@code KOVN_LOG_LEVEL} (default INFO), one line each on standard error. In code rather than in a logback.xml
 * because reading XML loads logback's configuration framework and the JDK's XML parser, classes that every node
 * agent would keep in its metaspace for nothing (1.9 MiB of it in {@code kovn bench node-footprint}). A file given
 * with {@code -Dlogback.configurationFile} (the sandbox gives one) still wins: logback's own configurators read it.
 * The line is written by {@link LineLayout}, not by a {@code PatternLayout}, whose pattern parser and converters are
 * another 150 classes.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {
    static final String LEVEL_ENV = "KOVN_LOG_LEVEL";
    private static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LineLayout layout = new LineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
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

    /**
     * What {@code %d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n} writes, the stack trace of a throwable after it.
     */
    static final class LineLayout extends LayoutBase<ILoggingEvent> {
        private final ZoneId zone = ZoneId.systemDefault();

        @Override
        public String doLayout(ILoggingEvent e) {
            LocalTime t = LocalTime.ofInstant(Instant.ofEpochMilli(e.getTimeStamp()), zone);
            StringBuilder b = new StringBuilder(128);
            pad(b, t.getHour(), 2).append(':');
            pad(b, t.getMinute(), 2).append(':');
            pad(b, t.getSecond(), 2).append('.');
            pad(b, t.getNano() / 1_000_000, 3).append(' ');
            String level = e.getLevel().toString();
            b.append(level).append(" ".repeat(Math.max(0, 5 - level.length()))).append(' ');
            String logger = e.getLoggerName();
            b.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(" - ").append(e.getFormattedMessage())
                    .append(System.lineSeparator());
            IThrowableProxy thrown = e.getThrowableProxy();
            if (thrown != null) {
                b.append(ThrowableProxyUtil.asString(thrown));
            }
            return b.toString();
        }

        private static StringBuilder pad(StringBuilder b, int value, int digits) {
            String s = Integer.toString(value);
            return b.append("0".repeat(digits - s.length())).append(s);
        }
    }

    /** The level {@code KOVN_LOG_LEVEL} names (TRACE, DEBUG, INFO, WARN, ERROR, OFF), INFO when unset or unknown. */
    static Level kovnLevel(String value) {
        return Level.toLevel(value, Level.INFO);
    }
}

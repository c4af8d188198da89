package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleLogConfiguratorTest {

    @Test
    void kovnAtInfoAndLibrariesAtWarnGoToStandardErrorOneLineEach() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            ConsoleLogConfigurator c = new ConsoleLogConfigurator();
            c.setContext(context);
            assertThat(c.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            context.getLogger("io.kovn.node.NodeAgent").info("node agent started");
            context.getLogger("io.kovn.node.NodeAgent").debug("not shown at INFO");
            context.getLogger("io.netty.channel.Foo").info("library chatter");
            context.getLogger("io.netty.channel.Foo").warn("library warning");
            context.getLogger("io.kovn.node.NodeAgent").error("failed: {}", "why", new IllegalStateException("boom"));
        } finally {
            context.stop();
            System.setErr(saved);
        }
        String out = err.toString(StandardCharsets.UTF_8);
        assertThat(out.lines().filter(l -> !l.startsWith("\tat "))).hasSize(4);
        assertThat(out).containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  NodeAgent - node agent started$")
                .containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  Foo - library warning$")
                .containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR NodeAgent - failed: why\\R"
                        + "java.lang.IllegalStateException: boom\\R\\tat io.kovn.cli.ConsoleLogConfiguratorTest");
    }

    @Test
    void levelFromTheEnvironmentDefaultsToInfo() {
        assertThat(ConsoleLogConfigurator.kovnLevel("DEBUG")).isEqualTo(Level.DEBUG);
        assertThat(ConsoleLogConfigurator.kovnLevel("trace")).isEqualTo(Level.TRACE);
        assertThat(ConsoleLogConfigurator.kovnLevel(null)).isEqualTo(Level.INFO);
        assertThat(ConsoleLogConfigurator.kovnLevel("loud")).isEqualTo(Level.INFO);
    }
}

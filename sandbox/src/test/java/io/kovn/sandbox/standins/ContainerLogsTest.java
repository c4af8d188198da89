package io.kovn.sandbox.standins;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A container log over its bound is cut to its tail, in place; one under it is left alone. */
class ContainerLogsTest {
    @Test
    void cutsALogOverTheBoundToItsTail(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("c.log");
        byte[] big = new byte[(int) ContainerLogs.MAX_BYTES + 10];
        big[big.length - 1] = 'z';
        Files.write(log, big);
        Files.writeString(log, "last line\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThat(ContainerLogs.bound(log)).isTrue();
        assertThat(Files.size(log)).isEqualTo(ContainerLogs.KEEP_BYTES);
        assertThat(Files.readString(log, StandardCharsets.ISO_8859_1)).endsWith("z" + "last line\n");

        Path small = Files.writeString(dir.resolve("s.log"), "hello\n");
        assertThat(ContainerLogs.bound(small)).isFalse();
        assertThat(Files.readString(small)).isEqualTo("hello\n");
    }
}

package io.kovn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kovn.ovn.config.ReferenceDoc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is what the option declarations generate; {@code -Dkovn.writeDocs=true} rewrites it. */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void docsConfigurationMdIsCurrent() throws Exception {
        String generated = ReferenceDoc.markdown(Programs.ALL);
        if (Boolean.getBoolean("kovn.writeDocs")) {
            Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        }
        String onDisk = Files.exists(DOC) ? Files.readString(DOC, StandardCharsets.UTF_8) : "";
        assertThat(onDisk).as("docs/configuration.md is stale; regenerate it with: mvn -B -pl cli -am verify "
                + "-Dtest=ConfigurationDocTest -Dsurefire.failIfNoSpecifiedTests=false -Dkovn.writeDocs=true")
                .isEqualTo(generated);
    }
}

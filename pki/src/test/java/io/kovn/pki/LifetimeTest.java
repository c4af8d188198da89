package io.kovn.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LifetimeTest {

    @Test
    void daysHoursAndMinutes() {
        assertThat(Lifetime.parse("365d")).isEqualTo(Duration.ofDays(365));
        assertThat(Lifetime.parse("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(Lifetime.parse("3m")).isEqualTo(Duration.ofMinutes(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0d", "-1d", "1", "d", "1y", "1.5d", "01d", "1 d", "36501d", "9999999d"})
    void otherFormsAreErrors(String text) {
        assertThatThrownBy(() -> Lifetime.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lifetime '" + text + "'");
    }
}

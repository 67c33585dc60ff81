package dev.virtuoso.rollback.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @Test
    void eachUnitAloneAndAllOfThemFromTheLargestDown() {
        assertThat(Durations.parse("300ms")).isEqualTo(Duration.ofMillis(300));
        assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1d12h30m15s500ms")).isEqualTo(Duration.ofDays(1).plusHours(12).plusMinutes(30)
                .plusSeconds(15).plusMillis(500));
        assertThat(Durations.parse("2m30s500ms")).isEqualTo(Duration.ofMillis(150_500));
        assertThat(Durations.parse("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("0s")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "soon", "1h1h", "30m1h", "1s1m", "500ms1s", "1.5h", "1H", "-1s", "1 h", "1h 30m",
            "ms", "1", "1w", "1msx", "h1"})
    void anythingElseIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "' is not a duration (use e.g. 300ms, 10s, 5m, 2h, 1d or 1h30m");
        assertThat(Durations.written(text)).isFalse();
    }

    @Test
    void atMost100000DaysSoThatNowPlusItFitsAnInstantNanosecondsAndEpochMillis() {
        assertThat(Durations.parse("100000d")).isEqualTo(Durations.MAX);
        Instant now = Instant.now();
        assertThat(now.plus(Durations.MAX).toEpochMilli()).isPositive();
        assertThat(now.minus(Durations.MAX).toEpochMilli()).isNegative();
        assertThat(Durations.MAX.toNanos()).isPositive();
        assertThat(Durations.written("100001d")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"100000d1ms", "100001d", "2400001h", "999999999999999999d", "99999999999999999999ms",
            "9223372036854775807ms", "106751d23h47m16s855ms"})
    void longerIsTooLongNeverAnArithmeticError(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(Durations.TooLong.class)
                .hasMessage("'" + text + "' is too long: a duration is at most 100000d");
    }
}

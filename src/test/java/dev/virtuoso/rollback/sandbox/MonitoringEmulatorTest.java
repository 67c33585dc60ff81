package dev.virtuoso.rollback.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Percentiles of explicit-bucket distributions, against values worked out by hand. */
class MonitoringEmulatorTest {
    @Test
    void theSandboxShapesHaveTheAdvertisedP95() {
        // good: cumulative 400, 900, 990 per mille; rank 950 in [200, 400): 200 + 50/90 * 200
        assertThat(MonitoringEmulator.percentile(MonitoringEmulator.GOOD_SHAPE, 0.95)).isCloseTo(311.11, within(0.01));
        // broken: cumulative 300, 400, 930; rank 950 in [6400, 12800): 6400 + 20/70 * 6400
        assertThat(MonitoringEmulator.percentile(MonitoringEmulator.BROKEN_SHAPE, 0.95)).isCloseTo(8228.57, within(0.01));
    }

    @Test
    void mergedDistributionIsNotTheAverageOfPercentiles() {
        long[] merged = new long[9];
        for (int i = 0; i < 9; i++) {
            merged[i] = MonitoringEmulator.GOOD_SHAPE[i] * 9 + MonitoringEmulator.BROKEN_SHAPE[i];
        }
        // 90% good + 10% broken traffic: cumulative 3600, 8400, 9310, 9400, ..., 9930 at 6400 → rank 9500
        // lies in [3200, 6400): 3200 + (9500 - 9400) / 530 * 3200
        double p95 = MonitoringEmulator.percentile(merged, 0.95);
        assertThat(p95).isCloseTo(3803.77, within(0.01));
        double averageOfP95s = (311.11 * 9 + 8228.57) / 10;
        assertThat(p95).isNotCloseTo(averageOfP95s, within(100.0));
    }

    @Test
    void singleBucketAndEmptyDistributions() {
        long[] one = {0, 10, 0, 0, 0, 0, 0, 0, 0};
        assertThat(MonitoringEmulator.percentile(one, 0.95)).isCloseTo(195.0, within(0.001));
        long[] underflow = {4, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(MonitoringEmulator.percentile(underflow, 0.5)).isCloseTo(50.0, within(0.001));
        assertThat(MonitoringEmulator.percentile(new long[9], 0.95)).isZero();
    }
}

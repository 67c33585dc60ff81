package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.List;

/**
 * What the incident record's charts show: each revision's error rate and P95 per minute over
 * [from, to], the triggers' thresholds, and the moment the change was sent.
 */
public record MetricChart(String title, Instant from, Instant to, List<RevisionSeries> series,
                          double errorRateTriggerPercent, long p95TriggerMs, Instant changeAt) {
    public MetricChart {
        series = List.copyOf(series);
    }
}

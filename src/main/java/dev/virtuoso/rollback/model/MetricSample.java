package dev.virtuoso.rollback.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** Cloud Run request metrics over one window: all requests, 5xx answers, and the merged P95 (null: no data). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricSample(Instant from, Instant to, long requests, long errors, Double p95Ms) {
}

package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.List;

/** One revision's request metrics minute by minute, oldest first: what a chart of a window draws. */
public record RevisionSeries(String revision, List<Minute> minutes) {
    public RevisionSeries {
        minutes = List.copyOf(minutes);
    }

    /** The minute ending at {@code end}: its requests, 5xx answers, and P95 (null: no latency data). */
    public record Minute(Instant end, long requests, long errors, Double p95Ms) {
        /** Errors as a percentage of requests; null without requests. */
        public Double errorPercent() {
            return requests == 0 ? null : 100.0 * errors / requests;
        }
    }
}

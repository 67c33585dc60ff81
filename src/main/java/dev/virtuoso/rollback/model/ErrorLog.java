package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.List;

/**
 * Log entries of severity ERROR or worse of a service over a window, newest first, at most
 * {@code limit} of them ({@code truncated}: there were more).
 */
public record ErrorLog(Instant from, Instant to, List<Entry> entries, int limit, boolean truncated) {
    public ErrorLog {
        entries = List.copyOf(entries);
    }

    /**
     * One entry: when, how severe, which revision wrote it, its HTTP status (0: none) and message,
     * and the whole entry in its JSON form on one line, as Cloud Logging exports it.
     */
    public record Entry(Instant time, String severity, String revision, int status, String message, String json) {
    }
}

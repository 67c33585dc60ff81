package dev.virtuoso.rollback.sandbox;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The demo service's recent requests, bounded: what a Monitoring emulator aggregates. */
public final class RequestLog {
    public record Entry(Instant time, String revision, int status, long latencyMs) {
    }

    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>();

    public RequestLog(int capacity) {
        this.capacity = capacity;
    }

    public synchronized void add(Entry e) {
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(e);
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }
}

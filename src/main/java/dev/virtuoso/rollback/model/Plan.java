package dev.virtuoso.rollback.model;

import java.util.List;

/**
 * What a mutating command is about to do, shown before it acts. {@code unchangedReason} is set
 * when the goal already holds: then nothing is applied.
 */
public record Plan(
        String command,
        ServiceRef service,
        String summary,
        ServiceState before,
        List<TrafficEntry> after,
        List<String> notes,
        String unchangedReason) {

    public Plan {
        after = List.copyOf(after);
        notes = List.copyOf(notes);
    }

    public boolean unchanged() {
        return unchangedReason != null;
    }

    public Plan withNote(String note) {
        return withNotes(List.of(note));
    }

    public Plan withNotes(List<String> more) {
        List<String> all = new java.util.ArrayList<>(notes);
        all.addAll(more);
        return new Plan(command, service, summary, before, after, all, unchangedReason);
    }
}

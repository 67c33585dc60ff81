package dev.virtuoso.rollback.change;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps a journal's own process appended and left unfinished (planned or applied), newest
 * record of each, oldest step first: kept in memory, so a Ctrl-C that stops the process at once
 * journals where it stopped without reading the whole journal back.
 */
public final class OpenSteps {
    private final Map<String, JournalRecord> open = new LinkedHashMap<>();

    /** Notes a record just appended. */
    public synchronized void appended(JournalRecord record) {
        if (record.state() == JournalRecord.State.planned || record.state() == JournalRecord.State.applied) {
            open.put(record.id(), record);
        } else {
            open.remove(record.id());
        }
    }

    /** The newest of {@code records} that is an action of its own (not one step of a drill): what undo picks. */
    public static java.util.Optional<JournalRecord> newestAction(List<JournalRecord> records) {
        return records.stream().filter(r -> r.parent() == null).reduce((a, b) -> b);
    }

    public synchronized boolean any() {
        return !open.isEmpty();
    }

    /** The records that mark each open step interrupted at {@code now}, to append. */
    public synchronized List<JournalRecord> interrupted(Instant now) {
        // Stopped at once: whether a sent change took effect is unknown, so undo may pick it.
        return open.values().stream().map(r -> r.next(now, JournalRecord.State.interrupted, null,
                "stopped at once after state " + r.state() + "; the change may be in effect: see `rollback status`",
                true)).toList();
    }
}

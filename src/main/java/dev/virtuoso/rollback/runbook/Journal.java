package dev.virtuoso.rollback.runbook;

import java.util.List;
import java.util.Optional;

/** Port: the append-only record of every step, written before acting. */
public interface Journal {
    /** Appends a new record. */
    @Mutating
    void append(JournalRecord record);

    /** Exit 2 unless a record could be appended now; checked before a change is confirmed. Changes nothing. */
    void checkWritable();

    /** The newest state of every step, oldest first. */
    List<JournalRecord> history();

    default Optional<JournalRecord> find(String id) {
        return history().stream().filter(r -> r.id().equals(id)).findFirst();
    }
}

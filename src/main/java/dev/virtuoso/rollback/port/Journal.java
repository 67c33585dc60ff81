package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.model.RunbookException;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Port: the append-only record of every step, written before acting. */
public interface Journal {
    /** Appends a new record. */
    @Mutating
    void append(JournalRecord record);

    /** Exit 2 unless a record could be appended now; checked before a change is confirmed. Changes nothing. */
    @ReadOnly
    void checkWritable();

    /** The newest state of every step, oldest first. */
    @ReadOnly
    List<JournalRecord> history();

    /** The newest step that {@code which} accepts. */
    @ReadOnly
    default Optional<JournalRecord> newest(Predicate<JournalRecord> which) {
        return newest(history(), which);
    }

    /** The newest record of {@code history} (oldest first) that {@code which} accepts. */
    static Optional<JournalRecord> newest(List<JournalRecord> history, Predicate<JournalRecord> which) {
        for (int i = history.size() - 1; i >= 0; i--) {
            if (which.test(history.get(i))) {
                return Optional.of(history.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * The step {@code id}, or the one whose id ends with {@code -id} (history shows that short
     * form); exit 2 when a short form names several steps.
     */
    @ReadOnly
    default Optional<JournalRecord> find(String id) {
        return byId(history(), JournalRecord::id, id, "journal steps");
    }

    /**
     * The one of {@code all} whose id is {@code id}, or ends with {@code -id} (the short form history
     * shows); exit 2 when a short form names several ({@code what} they are, in the message).
     */
    static <T> Optional<T> byId(List<T> all, java.util.function.Function<T, String> idOf, String id, String what) {
        Optional<T> exact = all.stream().filter(r -> idOf.apply(r).equals(id)).findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        List<T> bySuffix = all.stream().filter(r -> idOf.apply(r).endsWith("-" + id)).toList();
        if (bySuffix.size() > 1) {
            throw RunbookException.invalid(id + " names " + bySuffix.size() + " " + what + " ("
                    + String.join(", ", bySuffix.stream().map(idOf).toList()) + "); give the whole id");
        }
        return bySuffix.stream().findFirst();
    }
}

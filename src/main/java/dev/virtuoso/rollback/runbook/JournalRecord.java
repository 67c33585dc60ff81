package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One step in the journal (SPEC 10). Records are appended, never rewritten: a later line with
 * the same id carries the step's newer state.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JournalRecord(
        String id,
        Instant time,
        String user,
        String command,
        String target,
        String kind,
        JsonNode before,
        JsonNode after,
        State state,
        String detail,
        boolean changed) {

    public enum State {
        planned, applied, verified, failed, interrupted
    }

    /** A step as first written, before it acts. */
    public JournalRecord(String id, Instant time, String user, String command, String target, String kind,
                         JsonNode before, JsonNode after, State state, String detail) {
        this(id, time, user, command, target, kind, before, after, state, detail, false);
    }

    /**
     * The step's next state. {@code changed} stays true once the step was applied, so a step whose
     * verification failed is told apart from one that never changed anything.
     */
    public JournalRecord next(Instant at, State newState, JsonNode newAfter, String newDetail) {
        return new JournalRecord(id, at, user, command, target, kind, before, newAfter == null ? after : newAfter,
                newState, newDetail, changed || newState == State.applied);
    }
}

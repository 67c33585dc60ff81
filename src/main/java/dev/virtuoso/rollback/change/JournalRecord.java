package dev.virtuoso.rollback.change;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One step in the journal. Records are appended, never rewritten: a later line with
 * the same id carries the step's newer state. {@code changed} says the step changed something
 * (or may have: it was sent before an error), so {@code undo} can pick it; {@code parent} names
 * the composite action (a drill) a step belongs to. For history: {@code command} as the user
 * asked it ("quick --previous"), {@code from} and {@code to} (revisions, policies), and
 * {@code origin}, the automation that acted ("watch --auto"; none when a person did).
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
        boolean changed,
        String parent,
        String from,
        String to,
        String origin) {

    public enum State {
        planned, applied, verified, failed, interrupted
    }

    /** A step as first written, before it acts. */
    public JournalRecord(String id, Instant time, String user, String command, String target, String kind,
                         JsonNode before, JsonNode after, State state, String detail) {
        this(id, time, user, command, target, kind, before, after, state, detail, false, null, null, null, null);
    }

    /**
     * The step's next state. {@code changed} stays true once the step was applied, so a step whose
     * verification failed is told apart from one that never changed anything.
     */
    public JournalRecord next(Instant at, State newState, JsonNode newAfter, String newDetail) {
        return next(at, newState, newAfter, newDetail, false);
    }

    /** The same step with its words (what was asked, from, to, the detail) passed through {@code clean}. */
    public JournalRecord withText(java.util.function.UnaryOperator<String> clean) {
        return new JournalRecord(id, time, user, clean.apply(command), target, kind, before, after, state,
                clean.apply(detail), changed, parent, clean.apply(from), clean.apply(to), origin);
    }

    /** As {@link #next(Instant, State, JsonNode, String)}, also when a failed step is known to have changed something. */
    public JournalRecord next(Instant at, State newState, JsonNode newAfter, String newDetail, boolean changedNow) {
        return new JournalRecord(id, at, user, command, target, kind, before, newAfter == null ? after : newAfter,
                newState, newDetail, changed || changedNow || newState == State.applied, parent, from, to, origin);
    }

    /** How long before {@code now} this step was recorded, for people: {@code 5m ago}. */
    public String ago(Instant now) {
        Duration d = Duration.between(time, now).truncatedTo(ChronoUnit.SECONDS);
        return d.isZero() || d.isNegative() ? "a moment ago" : Durations.format(d) + " ago";
    }
}

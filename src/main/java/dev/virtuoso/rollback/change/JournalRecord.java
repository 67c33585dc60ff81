package dev.virtuoso.rollback.change;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
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
 * {@code origin}, the automation that acted ("watch --auto"; none when a person did), and {@code reason},
 * why, in the words of whoever acted ({@code --reason}) or of the trigger that fired. {@code before}
 * and {@code after} hold the kind's state as {@link JournalStates} writes it. {@code outcome} says what
 * the state leaves out ({@link Outcome}); none when the state says it all. {@code incident} is the
 * Cloud Monitoring incident a step answered ({@code respond}), so that the same incident, delivered
 * again, is never acted on twice; none for steps a person or a watch started.
 */
// A field a newer version adds (as this one added outcome) must not make the whole journal unreadable
// to this one: a team shares journals across versions, and history and undo must still work.
@JsonIgnoreProperties(ignoreUnknown = true)
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
        String origin,
        Outcome outcome,
        String reason,
        String incident) {

    public enum State {
        planned, applied, verified, failed, interrupted
    }

    /**
     * What a failed or interrupted step left in effect all the same: {@code checksFailed}, applied and
     * its checks failed; {@code notVerified}, applied and its checks could not run; {@code inEffect},
     * interrupted once the change was in effect.
     */
    public enum Outcome {
        checksFailed, notVerified, inEffect
    }

    /** A step that answers no incident. */
    public JournalRecord(String id, Instant time, String user, String command, String target, String kind,
                         JsonNode before, JsonNode after, State state, String detail, boolean changed, String parent,
                         String from, String to, String origin, Outcome outcome, String reason) {
        this(id, time, user, command, target, kind, before, after, state, detail, changed, parent, from, to, origin,
                outcome, reason, null);
    }

    /** A step as first written, before it acts. */
    public JournalRecord(String id, Instant time, String user, String command, String target, String kind,
                         JsonNode before, JsonNode after, State state, String detail) {
        this(id, time, user, command, target, kind, before, after, state, detail, false, null, null, null, null, null,
                null);
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
                clean.apply(detail), changed, parent, clean.apply(from), clean.apply(to), origin, outcome,
                clean.apply(reason), incident);
    }

    /** As {@link #next(Instant, State, JsonNode, String)}, also when a failed step is known to have changed something. */
    public JournalRecord next(Instant at, State newState, JsonNode newAfter, String newDetail, boolean changedNow) {
        return next(at, newState, newAfter, newDetail, changedNow, null);
    }

    /** As {@link #next(Instant, State, JsonNode, String, boolean)}, saying what the new state leaves out. */
    public JournalRecord next(Instant at, State newState, JsonNode newAfter, String newDetail, boolean changedNow,
                              Outcome newOutcome) {
        return new JournalRecord(id, at, user, command, target, kind, before, newAfter == null ? after : newAfter,
                newState, newDetail, changed || changedNow || newState == State.applied, parent, from, to, origin,
                newOutcome, reason, incident);
    }

    /**
     * A record written before records said their outcome: derived once, here, from the detail those
     * versions wrote ("verification: 1/2 checks passed" once applied; "... was applied, but verification
     * could not run: ..."; "...; the change was sent and is in effect" or "... was applied, but
     * verification was interrupted" when interrupted).
     */
    public JournalRecord withOutcomeOfOldRecord() {
        if (outcome != null || detail == null) {
            return this;
        }
        Outcome derived = switch (state) {
            case failed -> !changed ? null : detail.startsWith("verification: ") ? Outcome.checksFailed
                    : detail.contains(" was applied, but verification could not run") ? Outcome.notVerified : null;
            case interrupted -> detail.endsWith("the change was sent and is in effect")
                    || detail.endsWith(" was applied, but verification was interrupted") ? Outcome.inEffect : null;
            default -> null;
        };
        return derived == null ? this : new JournalRecord(id, time, user, command, target, kind, before, after, state,
                detail, changed, parent, from, to, origin, derived, reason, incident);
    }

    /** How long before {@code now} this step was recorded, for people: {@code 5m ago}. */
    public String ago(Instant now) {
        Duration d = Duration.between(time, now).truncatedTo(ChronoUnit.SECONDS);
        return d.isZero() || d.isNegative() ? "a moment ago" : Durations.format(d) + " ago";
    }
}

package dev.virtuoso.rollback.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One kind of change the {@link ChangePipeline} makes — a traffic split, an image deploy, a git
 * revert, an alert policy — supplying what the pipeline cannot know: what to show before acting, how
 * to apply it and wait until it is really in effect, what is true after an error, and what its
 * undo needs (journaled as {@link #before()}). Dry runs, confirmation, the journal and
 * notifications are the pipeline's, the same for every kind.
 *
 * <p>{@code S} is the kind's state: one record holding what its undo needs ({@link #before()}), what
 * is asked ({@link #asked()}) and what is in effect ({@link #apply}), journaled and read back through
 * {@link JournalStates} alone, so that a field is named once, in the record.
 */
public interface Change<S> {
    /** The journal's name for this kind; {@link Undo} finds the kind's reversal by it. */
    String kind();

    /** The record {@link #before()}, {@link #asked()} and {@link #apply} return, to read a journal record's state back. */
    Class<S> stateType();

    /** What was asked, as history shows it: {@code quick --previous}. */
    String command();

    /** The resource, as the journal names it: {@code projects/P/locations/R/services/S}. */
    String target();

    /** The resource, for people: {@code P/R/S}. */
    String where();

    /** The Cloud Run service it changes, as read when planning (what the checks after it need); else empty. */
    default Optional<ServiceState> service() {
        return Optional.empty();
    }

    /**
     * The service as planned, when this change sends it an update itself (not when it waits for one
     * made elsewhere, as a git revert waits for CI's deploy): a change still being applied there
     * that is not this one would be replaced by it. By default {@link #service()}.
     */
    default Optional<ServiceState> updatedService() {
        return service();
    }

    String summary();

    /** What is shown before confirming: the state now and after. */
    List<Block> preview();

    /** What is in effect after applying ({@code applied} is what {@link #apply} returned), for the summary. */
    List<Block> shown(S applied);

    List<String> notes();

    /** Why nothing needs doing because the goal holds already, or null. */
    default String unchangedReason() {
        return null;
    }

    /** What the API would refuse in the asked change, found before anything is offered; null when nothing. */
    default String problem() {
        return null;
    }

    /** What {@code undo} restores. */
    S before();

    /** What is asked. */
    S asked();

    /** For history: what served (or was in place) before, and what is asked; null when it does not apply. */
    String from();

    String to();

    /**
     * A word the person must type to confirm on a terminal (a data restore: the database or table
     * it overwrites), instead of answering y; null for a y/N question. {@code --yes} still confirms.
     */
    default String confirmWord() {
        return null;
    }

    /** A second question to ask after the plan was confirmed (a risk the plan names), or null. */
    default String caution() {
        return null;
    }

    /**
     * The asked change was sent by an earlier run (killed while waiting) and is not in effect yet.
     * Kinds whose change is done when the call answers are never in flight.
     */
    default boolean inFlight() {
        return false;
    }

    /** True when {@code recorded} (a journal record's asked change) is this very change. */
    default boolean asks(S recorded) {
        return false;
    }

    /**
     * The change's own checks of what {@code applied} (what {@link #apply} returned) holds — a table's
     * rows after a restore — verified with the service's checks and journaled the same way; none by default.
     */
    default List<CheckResult> checks(S applied) {
        return List.of();
    }

    /**
     * Exit 5 when the resource is no longer as the plan read it; called once the person confirmed, just
     * before the journal record and the change, since a plan can wait at a prompt. Kinds whose adapter
     * compares at the moment it changes the resource (a Cloud Run service's etag), and restores that
     * back up whatever is there first, need nothing here.
     */
    default void checkUnchangedSincePlan() {
    }

    /** Applies, and returns what is in effect once it really is, waiting at most {@code limit}. */
    S apply(Duration limit, Progress progress);

    /**
     * Does not send the change again: waits, at most {@code limit}, for the change in flight to be in
     * effect. A change made in two steps (a deploy, then its traffic) sends the step the earlier run
     * never reached.
     */
    default S awaitInFlight(Duration limit, Progress progress) {
        throw new IllegalStateException(kind() + " is never in flight");
    }

    /** After an error or Ctrl-C past sending: what is true, read within {@code within}; never throws. */
    Truth<S> truth(Duration within);

    /**
     * What a re-read found: {@code readable} false when nothing could be read; otherwise whether the
     * asked change was sent (the resource asks for it now), whether it is in effect, and why not
     * when the system says it failed ({@code failure}, read only when sent: a failure on record
     * from an earlier deploy is not this change's). {@code leftBehind} names what an unsent change
     * left all the same (a local commit), which undo must then be able to pick; {@code aside}, what
     * it left that changes nothing (a backup, a snapshot), said but not for undo. {@code partly} says how
     * far a change that was sent and is not in effect got, when not failed (a deploy whose revision is
     * Ready, its traffic not moved).
     */
    record Truth<S>(boolean readable, boolean sent, boolean inEffect, String failure, String leftBehind, S now,
                    String aside, String partly) {
        public Truth(boolean readable, boolean sent, boolean inEffect, String failure, String leftBehind, S now) {
            this(readable, sent, inEffect, failure, leftBehind, now, null, null);
        }

        public Truth(boolean readable, boolean sent, boolean inEffect, String failure, String leftBehind, S now,
                     String aside) {
            this(readable, sent, inEffect, failure, leftBehind, now, aside, null);
        }

        /** Nothing was changed, and {@code aside} says what stays all the same that undo has no need of (a backup). */
        public static <S> Truth<S> notSent(S now, String aside) {
            return new Truth<>(true, false, false, null, null, now, aside);
        }

        public static <S> Truth<S> unreadable() {
            return new Truth<>(false, false, false, null, null, null);
        }
    }

    /** A part of a plan or summary, rendered by the console. */
    sealed interface Block permits Lines, Traffic {
    }

    /** Plain lines under a title. */
    record Lines(String title, List<String> lines) implements Block {
    }

    /** A traffic list, LATEST resolved through {@code latestReady}. */
    record Traffic(String title, List<TrafficEntry> entries, String latestReady) implements Block {
    }
}

package dev.virtuoso.rollback.change;

import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.port.Progress;
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
    /** What this change is, as planned: its name, resource, words for people and the journal. */
    About about();

    /** The record {@link #before()}, {@link #asked()} and {@link #apply} return, to read a journal record's state back. */
    Class<S> stateType();

    /** What is shown before confirming: the state now and after. */
    List<Block> preview();

    /** What is in effect after applying ({@code applied} is what {@link #apply} returned), for the summary. */
    List<Block> shown(S applied);

    /** What {@code undo} restores. */
    S before();

    /** What is asked. */
    S asked();

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
        throw new IllegalStateException(about().kind() + " is never in flight");
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

    /**
     * What a change is, fixed by its plan. {@code kind}: the journal's name for it, by which {@code undo}
     * finds its reversal. {@code command}: what was asked, as history shows it ({@code quick --previous}).
     * {@code target}: the resource as the journal names it ({@code projects/P/locations/R/services/S});
     * {@code where}: for people ({@code P/R/S}). {@code from} and {@code to}: for history, what served (or
     * was in place) before and what is asked; null when it does not apply. {@code service}: the Cloud Run
     * service it changes, as read when planning (what the checks after it need). {@code updatedService}:
     * that service when this change sends it an update itself (not when it waits for one made
     * elsewhere, as a git revert waits for CI's deploy), where a change still being applied that is not
     * this one would be replaced by it. {@code unchangedReason}: why nothing needs doing because the goal
     * holds already. {@code problem}: what the API would refuse in the asked change, found before
     * anything is offered. {@code confirmWord}: a word the person must type to confirm on a terminal (a
     * data restore: the database or table it overwrites) instead of answering y; {@code --yes} still
     * confirms. {@code caution}: a second question to ask after the plan was confirmed (a risk the plan
     * names). Each null (or empty) when it does not apply.
     */
    record About(String kind, String command, String target, String where, String summary, List<String> notes,
                 String from, String to, Optional<ServiceState> service, Optional<ServiceState> updatedService,
                 String unchangedReason, String problem, String confirmWord, String caution) {
        public static About of(String kind, String command, String target, String where, String summary) {
            return new About(kind, command, target, where, summary, List.of(), null, null, Optional.empty(),
                    Optional.empty(), null, null, null, null);
        }

        public About withNotes(List<String> all) {
            return new About(kind, command, target, where, summary, List.copyOf(all), from, to, service, updatedService,
                    unchangedReason, problem, confirmWord, caution);
        }

        public About withChange(String was, String asked) {
            return new About(kind, command, target, where, summary, notes, was, asked, service, updatedService,
                    unchangedReason, problem, confirmWord, caution);
        }

        /** The service it changes, which is also the one it updates unless {@link #withUpdatedService} says otherwise. */
        public About withService(Optional<ServiceState> planned) {
            return new About(kind, command, target, where, summary, notes, from, to, planned, planned, unchangedReason,
                    problem, confirmWord, caution);
        }

        public About withUpdatedService(Optional<ServiceState> updated) {
            return new About(kind, command, target, where, summary, notes, from, to, service, updated, unchangedReason,
                    problem, confirmWord, caution);
        }

        public About withUnchangedReason(String why) {
            return new About(kind, command, target, where, summary, notes, from, to, service, updatedService, why,
                    problem, confirmWord, caution);
        }

        public About withProblem(String refused) {
            return new About(kind, command, target, where, summary, notes, from, to, service, updatedService,
                    unchangedReason, refused, confirmWord, caution);
        }

        public About withConfirmWord(String word) {
            return new About(kind, command, target, where, summary, notes, from, to, service, updatedService,
                    unchangedReason, problem, word, caution);
        }

        public About withCaution(String question) {
            return new About(kind, command, target, where, summary, notes, from, to, service, updatedService,
                    unchangedReason, problem, confirmWord, question);
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

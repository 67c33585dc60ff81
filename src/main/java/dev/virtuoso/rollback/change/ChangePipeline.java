package dev.virtuoso.rollback.change;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.ChangeReplaced;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.Stamp;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.ServiceLocks;
import dev.virtuoso.rollback.port.Verifier;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one path every change takes, whatever its kind: check → plan → confirm →
 * journal → apply and wait until really in effect → verify → summary, with notifications. Whether
 * this run may change anything ({@code --dry-run}) is decided once, when the pipeline is made.
 *
 * <p>A change already in flight (an earlier run was killed while waiting) is waited for, not sent
 * again. After any error past the point of sending (including Ctrl-C) the change reads what is true
 * and the journal says it: whether the change was sent, and whether it is in effect.
 */
public final class ChangePipeline {
    /** How long a change may take before we stop waiting (the change itself goes on). */
    public static final Duration WAIT_LIMIT = Duration.ofMinutes(10);
    /** After an error or Ctrl-C, at most this long is spent reading what is true before exiting. */
    static final Duration RE_READ = Duration.ofSeconds(2);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Nothing holds a change back. */
    private static final HoldBack NO_HOLD = Optional::empty;
    /** The kind of the journal's record of a lock taken over. */
    private static final String LOCK_KIND = "lock";

    private final Journal journal;
    private final Interaction ui;
    private final Verifier verifier;
    private final Notifier notifier;
    private final Clock clock;
    private final String user;
    private final boolean dryRun;
    private final String parent;
    private final String origin;
    private final Duration waitLimit;
    private final String note;
    private final boolean force;
    private final String reason;
    private final ServiceLocks locks;
    private final String incident;
    private final HoldBack holdBack;
    private final IncidentCapture capture;

    public ChangePipeline(Journal journal, Interaction ui, Verifier verifier, Notifier notifier, Clock clock, String user,
                          boolean dryRun) {
        this(journal, ui, verifier, notifier, clock, user, dryRun, null, null, WAIT_LIMIT, null, false, null,
                ServiceLocks.NONE, null, NO_HOLD, IncidentCapture.NONE);
    }

    private ChangePipeline(Journal journal, Interaction ui, Verifier verifier, Notifier notifier, Clock clock,
                           String user, boolean dryRun, String parent, String origin, Duration waitLimit, String note,
                           boolean force, String reason, ServiceLocks locks, String incident, HoldBack holdBack,
                           IncidentCapture capture) {
        this.journal = journal;
        this.ui = ui;
        this.verifier = verifier;
        this.notifier = notifier;
        this.clock = clock;
        this.user = user;
        this.dryRun = dryRun;
        this.parent = parent;
        this.origin = origin;
        this.waitLimit = waitLimit;
        this.note = note;
        this.force = force;
        this.reason = reason;
        this.locks = locks;
        this.incident = incident;
        this.holdBack = holdBack;
        this.capture = capture;
    }

    /**
     * A caller's last word on whether a change is still wanted, asked once the service's lock is held
     * and before anything is sent, so that what it reads (the journal) cannot change under it: two
     * automatic responders racing on one redelivered message must not both act.
     */
    @FunctionalInterface
    public interface HoldBack {
        /** Why the change is no longer wanted, or empty to go ahead. Reads only. */
        Optional<String> reason();
    }

    /** True when this run only plans ({@code --dry-run}). */
    public boolean dryRun() {
        return dryRun;
    }

    /** Exit 2 unless the journal can take a record: checked before a change is offered. */
    public void checkJournal() {
        journal.checkWritable();
    }

    /** The same pipeline, waiting at most {@code limit} for a change to be in effect. */
    public ChangePipeline waitingAtMost(Duration limit) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, limit, note,
                force, reason, locks, incident, holdBack, capture);
    }

    /** The same pipeline for changes made by automation ({@code watch --auto}): history says so. */
    public ChangePipeline by(String automation) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, automation, waitLimit,
                note, force, reason, locks, incident, holdBack, capture);
    }

    /**
     * The same pipeline, with a note of the person's choice (an undo forced over a later change)
     * shown with the plan and journaled with the step.
     */
    public ChangePipeline noting(String why) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, waitLimit, why,
                force, reason, locks, incident, holdBack, capture);
    }

    /**
     * The same pipeline, told ({@code --force}) to replace a change the service is still applying
     * that this run did not send, without a second question.
     */
    public ChangePipeline forcing(boolean replace) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, waitLimit, note,
                replace, reason, locks, incident, holdBack, capture);
    }

    /**
     * The same pipeline for changes made for {@code why} ({@code --reason}, or the trigger that fired):
     * journaled with each step and sent with the notifications. Blank means no reason was given.
     */
    public ChangePipeline because(String why) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, waitLimit, note,
                force, why == null || why.isBlank() ? null : why.strip(), locks, incident, holdBack, capture);
    }

    /**
     * The same pipeline, taking {@code serviceLocks}' lock of the service a change updates for each
     * step (a shared journal's; none with the local one).
     */
    public ChangePipeline locking(ServiceLocks serviceLocks) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, waitLimit, note,
                force, reason, serviceLocks, incident, holdBack, capture);
    }

    /**
     * The same pipeline, journaling each step as the answer to the Cloud Monitoring incident {@code id}
     * (so that incident is never acted on twice) and asking {@code hold} under the lock, just before
     * the plan is confirmed and sent: a reason it gives ends the run with nothing sent (outcome
     * {@code skipped}).
     */
    public ChangePipeline answering(String id, HoldBack hold) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, waitLimit, note,
                force, reason, locks, id, hold, capture);
    }

    /**
     * Journals a step on {@code service} that changed nothing and that undo therefore never picks (what
     * automation told people instead of acting: {@code send}), with this pipeline's user, automation,
     * reason and incident; returns its id. Journaled as planned before it is sent, so a journal that
     * cannot be written sends nothing, and a message delivered again finds it answered.
     */
    public String journalNotice(ServiceRef service, String command, String kind, String detail, Runnable send) {
        Instant now = clock.instant();
        JournalRecord r = new JournalRecord(newId(now), now, user, command, service.path(), kind, null, null,
                JournalRecord.State.planned, detail, false, parent, null, null, origin, null, reason, incident);
        journal.append(r);
        try {
            send.run();
        } catch (RuntimeException e) {
            journal.append(r.next(clock.instant(), JournalRecord.State.failed, null, detail + "; not sent: "
                    + RunbookException.of(e).getMessage()));
            throw e;
        }
        journal.append(r.next(clock.instant(), JournalRecord.State.verified, null, detail));
        return r.id();
    }

    /** The same pipeline, keeping an incident record of each step it sends through {@code incidents}. */
    public ChangePipeline recording(IncidentCapture incidents) {
        return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, parent, origin, waitLimit, note,
                force, reason, locks, incident, holdBack, incidents);
    }

    /** Executes {@code change}, then runs {@code verify} and the change's own checks. */
    public ActionResult execute(Change<?> change, Optional<VerifyRequest> verify) {
        return execute(change, verify, true);
    }

    /** As {@link #execute(Change, Optional)}; without {@code ownChecks} the change's own checks do not run (--no-verify). */
    public <S> ActionResult execute(Change<S> change, Optional<VerifyRequest> verify, boolean ownChecks) {
        Instant start = clock.instant();
        if (change.about().unchangedReason() != null) {
            return result(change, ActionResult.Outcome.unchanged, change.about().unchangedReason(),
                    write(change.before()), null, start, null, List.of(), List.of());
        }
        String problem = change.about().problem();
        if (problem != null) {
            throw RunbookException.invalid("refusing to change " + change.about().where() + ": " + problem);
        }
        if (change.inFlight()) {
            return adopt(change, verify, ownChecks, start);
        }
        ServiceLocks.Lease lease = ServiceLocks.NO_LEASE;
        if (!dryRun) {
            checkJournal(); // a change that could not be journaled is not offered
            // The lock is taken before the plan is shown and held while the person decides, as terraform
            // holds its state lock while it asks: a colleague about to change the same service learns at
            // once who is deciding and about what, rather than both confirming plans made from the same
            // state and the second then overwriting the first's rollback (or being refused after saying
            // yes). It is taken before looking for a change still being applied: when a colleague holds
            // the lock, who and what for says more than "a change this run did not send".
            lease = lock(change);
        }
        try {
            Optional<ActionResult> held = heldBack(change, start);
            if (held.isPresent()) {
                return held.get();
            }
            List<String> notes = notes(change, verify);
            Optional<ServiceState> notOurs = applyingNotOurs(change);
            notOurs.ifPresent(s -> notes.add(0, applyingNotOursText(s) + "; this plan starts from what that change "
                    + "asks and replaces it" + (force ? " (--force)" : "")));
            if (notOurs.isPresent() && !force && !dryRun && ui.confirmedAlready()) {
                throw RunbookException.invalid(applyingNotOursText(notOurs.get()) + "; a change now would replace it "
                        + "before it is in effect: agree with whoever sent it (`rollback status` shows it), wait for it, "
                        + "or add --force to replace it; nothing was changed");
            }
            if (dryRun) {
                ui.showPlan(change, notes);
                return result(change, ActionResult.Outcome.planned, "dry run: " + change.about().summary()
                        + " (nothing changed)", write(change.asked()), null, start, null, notes, List.of());
            }
            return confirmAndApply(change, verify, ownChecks, notes, notOurs, lease);
        } finally {
            lease.release();
        }
    }

    private <S> ActionResult confirmAndApply(Change<S> change, Optional<VerifyRequest> verify, boolean ownChecks,
                                             List<String> notes, Optional<ServiceState> notOurs,
                                             ServiceLocks.Lease lease) {
        String typed = null;
        if (reason == null) {
            typed = ui.confirmAskingWhy(change, notes);
        } else {
            ui.confirm(change, notes);
        }
        if (change.about().caution() != null) {
            ui.confirm(change.about().caution());
        }
        // On a terminal the question is asked even with --force, which may have been given for another warning.
        if (notOurs.isPresent() && !ui.confirmedAlready()) {
            ui.confirm("Replace the change " + notOurs.get().ref().name() + " is still applying, which this run did "
                    + "not send?");
        }
        if (typed != null && !typed.isBlank()) {
            // Typed at the question: journaled, notified and recorded as if given with --reason.
            return because(typed).applyConfirmed(change, verify, ownChecks, notes, lease);
        }
        return applyConfirmed(change, verify, ownChecks, notes, lease);
    }

    private <S> ActionResult applyConfirmed(Change<S> change, Optional<VerifyRequest> verify, boolean ownChecks,
                                            List<String> notes, ServiceLocks.Lease lease) {
        change.checkUnchangedSincePlan();
        refuseIfLost(lease);
        Instant start = clock.instant(); // the time it took starts after the human said yes
        JournalRecord record = record(change, start, write(change.before()), change.about().summary()
                + (note == null ? "" : " (" + note + ")"));
        journal.append(record);
        Notifier.Incident incident = notifier.open("rollback " + change.about().command() + " on "
                + change.about().where() + " by " + user + ": " + change.about().summary() + " (journal " + record.id()
                + ")" + (reason == null ? "" : "; reason: " + reason));
        // The record is gathered beside the change, and completed after the run's output however it ends.
        IncidentCapture.Recording recording = capture.start(record, change.about(), incident);
        try {
            S applied;
            try {
                applied = change.apply(waitLimit, ui.progress());
            } catch (RuntimeException e) {
                applied = afterError(change, record, RunbookException.of(e), incident);
            }
            return finish(change, record, applied, verify, ownChecks, start, incident, notes)
                    .recordedIn(recording.where());
        } finally {
            recording.ended();
        }
    }

    /** The run ended by the caller's {@link HoldBack}, asked now that the lock is held: nothing sent, nothing journaled. */
    private Optional<ActionResult> heldBack(Change<?> change, Instant start) {
        return holdBack.reason().map(why -> result(change, ActionResult.Outcome.skipped, why, write(change.before()),
                null, start, null, List.of(), List.of()));
    }

    /**
     * The lock of the service {@code change} updates, when there is one to take; an expired lock
     * taken over is journaled (a step that changed nothing, which undo never picks) so the team sees
     * whose command was presumed dead.
     */
    private ServiceLocks.Lease lock(Change<?> change) {
        Optional<ServiceState> service = change.about().updatedService();
        return service.isEmpty() ? ServiceLocks.NO_LEASE
                : lock(service.get().ref(), change.about().command(), refusal -> journalRefusal(change, refusal));
    }

    /** The lock of {@code service} for {@code command}; {@code refused} hears a colleague's lock before it stops us. */
    private ServiceLocks.Lease lock(ServiceRef service, String command, Consumer<RunbookException> refused) {
        ServiceLocks.Lease lease;
        try {
            lease = locks.acquire(service, command, reason, ui.progress());
        } catch (RunbookException e) {
            if (e.exitCode() == ExitCode.CONFLICT) {
                refused.accept(e);
            }
            throw e;
        }
        try {
            lease.tookOver().ifPresent(what -> {
                Instant now = clock.instant();
                journal.append(new JournalRecord(newId(now), now, user, "lock takeover", service.path(),
                        LOCK_KIND, null, null, JournalRecord.State.verified, what, false, parent, null, null, origin,
                        null, reason));
            });
            // The holder waited for was changing the service, so the plan was made from what was there
            // before their change. Planning again would aim "--previous" or an undo without an id at their
            // change (and could undo it), so the person plans again, seeing what is there now.
            // When the caller's hold-back ends the run anyway (the holder answered the same incident), it
            // says so rather than this: the run then changes nothing, and there is nothing to plan again.
            Optional<String> waited = lease.waitedFor();
            if (waited.isPresent() && holdBack.reason().isEmpty()) {
                throw new RunbookException(ExitCode.CONFLICT, service.name() + " in " + service.region()
                        + " was locked " + waited.get() + " while this run planned, and that change may have changed "
                        + "what serves; nothing was sent: run the command again to plan from what is there now "
                        + "(`rollback status` shows it)");
            }
        } catch (RuntimeException e) {
            lease.release();
            throw e;
        }
        return lease;
    }

    /**
     * A step refused because a colleague holds the service's lock is journaled, as failed and having
     * changed nothing (undo never picks it): the team's history shows both hands reaching for the
     * service, and who was turned away. Not being able to say so changes nothing of the refusal.
     */
    private void journalRefusal(Change<?> change, RunbookException refusal) {
        Instant now = clock.instant();
        try {
            journal.append(record(change, now, write(change.before()), change.about().summary())
                    .next(now, JournalRecord.State.failed, null, "not sent: " + refusal.getMessage()));
        } catch (RuntimeException e) {
            refusal.addSuppressed(e);
        }
    }

    /**
     * Nothing is sent once the lock is lost: someone else may be changing the service now. Asked of
     * Cloud Storage, not of the background renewal, which may not have run since the person said yes.
     */
    private static void refuseIfLost(ServiceLocks.Lease lease) {
        Optional<String> lost = lease.confirmHeld();
        if (lost.isPresent()) {
            throw new RunbookException(ExitCode.CONFLICT, lost.get() + "; nothing was changed");
        }
    }

    /** The change's notes, and what the checks after it will not be able to check. */
    private List<String> notes(Change<?> change, Optional<VerifyRequest> verify) {
        List<String> notes = new ArrayList<>(change.about().notes());
        if (note != null) {
            notes.add(0, note);
        }
        verify.flatMap(VerifyRequest::gap).ifPresent(gap -> notes.add("not checked after the change: " + gap));
        return notes;
    }

    /**
     * The service {@code change} updates is still applying a change that is not this one (which
     * would have been adopted) nor the one the newest step this journal sent to it left unfinished
     * (an undo of a step that timed out): another engineer's, CI's or the console's. A plan made now
     * starts from what that change asks, and sending it replaces that change before it is in effect.
     */
    private Optional<ServiceState> applyingNotOurs(Change<?> change) {
        return change.about().updatedService().filter(s -> s.applying() && !journal.newest(r -> r.parent() == null
                        && s.ref().path().equals(r.target()) && ServiceSteps.KINDS.contains(r.kind()))
                .filter(r -> r.state() != JournalRecord.State.applied && r.state() != JournalRecord.State.verified)
                .map(r -> ServiceSteps.asksTraffic(r, s.traffic())).orElse(false));
    }

    private static String applyingNotOursText(ServiceState s) {
        return s.ref().name() + " is still applying a change this run did not send (" + s.applyingText() + ")";
    }

    /** The change is already in flight: wait for it, send nothing, and journal that it was adopted. */
    private <S> ActionResult adopt(Change<S> change, Optional<VerifyRequest> verify, boolean ownChecks, Instant start) {
        Optional<JournalRecord> sender = sentBefore(change);
        String note = "adopted the change already in flight" + sender.map(o -> " (sent by journal step " + o.id()
                + ", left " + o.state() + ")").orElse("") + ": it was not sent again";
        if (dryRun) {
            return heldBack(change, start).orElseGet(() -> result(change, ActionResult.Outcome.planned,
                    "dry run: would wait for the change in flight to " + change.about().where() + " (nothing changed)",
                    write(change.asked()), null, start, null, List.of(note), List.of()));
        }
        ServiceLocks.Lease lease = lock(change); // first: a colleague's lock says more than what we would wait for
        try {
            Optional<ActionResult> held = heldBack(change, start);
            if (held.isPresent()) {
                return held.get();
            }
            ui.info("A change to exactly this is already in flight; waiting for it to finish, not sending it again.");
            return adoptLocked(change, verify, ownChecks, start, sender, note);
        } finally {
            lease.release();
        }
    }

    private <S> ActionResult adoptLocked(Change<S> change, Optional<VerifyRequest> verify, boolean ownChecks,
                                         Instant start, Optional<JournalRecord> sender, String note) {
        JournalRecord record = record(change, start, sender.map(JournalRecord::before).orElseGet(() ->
                write(change.before())), note);
        journal.append(record);
        S applied;
        try {
            applied = change.awaitInFlight(waitLimit, ui.progress());
        } catch (RuntimeException e) {
            applied = afterError(change, record, RunbookException.of(e), Notifier.Incident.NONE);
        }
        List<String> notes = notes(change, verify);
        notes.add(0, note);
        return finish(change, record, applied, verify, ownChecks, start, Notifier.Incident.NONE, notes);
    }

    /** The newest step of an earlier run that asked for this very change and never finished. */
    private <S> Optional<JournalRecord> sentBefore(Change<S> change) {
        return journal.newest(r -> change.about().kind().equals(r.kind()) && change.about().target().equals(r.target())
                && (r.state() == JournalRecord.State.planned || r.state() == JournalRecord.State.interrupted)
                && JournalStates.read(r.after(), change.stateType()).map(change::asks).orElse(false));
    }

    private JournalRecord record(Change<?> change, Instant at, JsonNode before, String detail) {
        Change.About it = change.about();
        return new JournalRecord(newId(at), at, user, it.command(), it.target(), it.kind(), before, write(change.asked()),
                JournalRecord.State.planned, detail, false, parent, it.from(), it.to(), origin, null, reason, incident);
    }

    private static JsonNode write(Object state) {
        return JournalStates.write(state);
    }

    private <S> ActionResult finish(Change<S> change, JournalRecord record, S applied, Optional<VerifyRequest> verify,
                                boolean ownChecks, Instant start, Notifier.Incident incident, List<String> notes) {
        record = record.next(clock.instant(), JournalRecord.State.applied, write(applied), record.detail());
        journalAfterSending(change, record);
        VerifyReport report = null;
        if (verify.isPresent()) {
            try {
                report = verifier.verify(verify.get());
            } catch (RuntimeException e) {
                throw verificationError(change, record, RunbookException.of(e), incident);
            }
        }
        List<CheckResult> own = ownChecks ? change.checks(applied) : List.of();
        if (!own.isEmpty()) {
            List<CheckResult> all = new ArrayList<>(report == null ? List.of() : report.checks());
            all.addAll(own);
            report = new VerifyReport(report == null ? change.about().target() : report.url(),
                    report == null ? 0 : report.durationMs(), all);
        }
        // Verified means a check saw the service work: checks that could not run or judge prove nothing.
        boolean judged = report != null && report.count(Verdict.PASS) > 0;
        if (report != null) {
            journalAfterSending(change, record.next(clock.instant(), !report.ok() ? JournalRecord.State.failed
                    : judged ? JournalRecord.State.verified : JournalRecord.State.applied, null, "verification: "
                    + report.count(Verdict.PASS) + "/" + report.checks().size() + " checks passed"
                    + (report.ok() && !judged ? " (" + report.why() + ")" : ""), false,
                    report.ok() ? null : JournalRecord.Outcome.checksFailed));
        }
        String took = Durations.format(Duration.between(start, clock.instant()));
        incident.post(report == null ? "✓ applied in " + took + " (not verified)"
                : !report.ok() ? "✗ applied in " + took + " but verification FAILED: " + report.count(Verdict.FAIL)
                        + "/" + report.checks().size() + " checks failed"
                : judged ? "✓ applied and verified in " + took + ": " + report.count(Verdict.PASS) + "/"
                        + report.checks().size() + " checks passed"
                : "✓ applied in " + took + " (not verified: " + report.why() + ")");
        return result(change, ActionResult.Outcome.applied, change.about().summary(), write(applied), record.id(), start,
                report, notes, change.shown(applied));
    }

    /**
     * What is true after an error past the point of sending: the change is read again (briefly)
     * and the journal says whether it was sent and whether it is in effect. When the goal holds
     * anyway (the answer was lost, the operation could not be followed), the run goes on. Any
     * exception takes this path: one that escaped its adapter untranslated is a bug (exit 1), but
     * it may come after the change was sent all the same, and undo must then be able to pick it.
     */
    private <S> S afterError(Change<S> change, JournalRecord record, RunbookException e, Notifier.Incident incident) {
        boolean interrupted = e.exitCode() == ExitCode.INTERRUPTED;
        if (interrupted) {
            Thread.interrupted(); // read and journal first; the run still ends with exit 130
        }
        if (e instanceof ChangeReplaced) {
            return replaced(change, record, e, incident);
        }
        Change.Truth<S> now = change.truth(RE_READ);
        if (now.inEffect() && !interrupted) {
            ui.info("warning: " + e.getMessage() + "; but the change is in effect");
            return now.now();
        }
        String truth;
        if (!now.readable()) {
            truth = change.about().where() + " could not be read again, so whether the change is in effect is unknown";
        } else if (now.inEffect()) {
            truth = "the change was sent and is in effect";
        } else if (now.sent()) {
            truth = "the change was sent and is not in effect yet" + (now.failure() == null
                    ? " (" + (now.partly() != null ? now.partly() : "it is still being applied") + ")"
                    : e.getMessage().contains(now.failure()) ? " (it failed)" : " (it failed: " + now.failure() + ")");
        } else {
            truth = (now.leftBehind() != null ? now.leftBehind() : "nothing was changed")
                    + (now.aside() != null ? "; " + now.aside() : "");
        }
        // Not sent but left something behind (a local commit): undo must be able to pick it.
        boolean maybeChanged = !now.readable() || now.sent() || now.leftBehind() != null;
        journalAfterSending(change, record.next(clock.instant(), interrupted ? JournalRecord.State.interrupted
                : JournalRecord.State.failed, now.now() == null && !now.readable() ? null : write(now.now()),
                e.getMessage() + "; " + truth,
                maybeChanged, interrupted && now.inEffect() ? JournalRecord.Outcome.inEffect : null));
        incident.post("✗ " + (interrupted ? "interrupted" : "failed") + ": " + e.getMessage() + "; " + truth);
        // Exit 2 promises nothing changed: a refusal that came after something was sent is a failure (4).
        ExitCode code = maybeChanged && e.exitCode() == ExitCode.INVALID_INPUT ? ExitCode.API_FAILURE : e.exitCode();
        throw new RunbookException(code, e.getMessage() + "; " + truth + (maybeChanged
                ? "; `rollback undo " + record.id() + "` puts back what was there before" : ""), e);
    }

    /**
     * The adapter has just read that a later change, not ours, replaced ours while it was applied.
     * That later change may leave part of ours in place (a deploy's template, its revision serving
     * through their traffic), so the service is read again and the words say what is true. The
     * step keeps what it asked as what it left: undo compares the service with that, sees the later
     * change, and does not put back what was there before over it unless forced. Exit 5 stays:
     * nothing of theirs was overwritten.
     */
    private <S> S replaced(Change<S> change, JournalRecord record, RunbookException e, Notifier.Incident incident) {
        Change.Truth<S> now = change.truth(RE_READ);
        String truth;
        if (!now.readable()) {
            truth = "the change was sent, then changed by that later change; " + change.about().where()
                    + " could not be read again, so what of it is in effect is unknown";
        } else if (now.inEffect()) {
            // The same traffic list, say, with LATEST now meaning the later change's revision.
            truth = "the change was sent and what it asked is in effect, together with that later change";
        } else if (now.sent()) {
            truth = "the change was sent and that later change kept part of it, but it is not in effect as asked"
                    + (now.failure() != null ? " (it failed: " + now.failure() + ")"
                    : now.partly() != null ? " (" + now.partly() + ")" : "");
        } else {
            truth = "the change was sent, then replaced by that later change before it was in effect";
        }
        journalAfterSending(change, record.next(clock.instant(), JournalRecord.State.failed, write(change.asked()),
                e.getMessage() + "; " + truth, true));
        incident.post("✗ replaced: " + e.getMessage() + "; " + truth);
        throw new RunbookException(e.exitCode(), e.getMessage() + "; " + truth + "; `rollback undo " + record.id()
                + "` would put back what was there before over that later change, so it refuses unless forced", e);
    }

    /**
     * A journal line written once the change was sent. A journal that can no longer be written (a
     * full disk) is a local problem, exit 2 before anything is sent; after, that code would say
     * nothing changed, so it is a failure (4) that says the change was made.
     */
    private void journalAfterSending(Change<?> change, JournalRecord line) {
        try {
            journal.append(line);
        } catch (RunbookException e) {
            throw new RunbookException(e.exitCode() == ExitCode.INVALID_INPUT ? ExitCode.API_FAILURE : e.exitCode(),
                    change.about().summary() + " was sent (journal step " + line.id() + " " + line.state()
                            + "), but the journal could not record it: " + e.getMessage(), e);
        }
    }

    /** The change is applied; checks that could not run (or Ctrl-C) must not read as "nothing changed". */
    private RunbookException verificationError(Change<?> change, JournalRecord record, RunbookException e,
                                               Notifier.Incident incident) {
        boolean interrupted = e.exitCode() == ExitCode.INTERRUPTED;
        if (interrupted) {
            Thread.interrupted();
        }
        String what = change.about().summary() + " was applied, but verification " + (interrupted ? "was interrupted"
                : "could not run: " + e.getMessage());
        journalAfterSending(change, record.next(clock.instant(), interrupted ? JournalRecord.State.interrupted
                : JournalRecord.State.failed, null, what, false, interrupted ? JournalRecord.Outcome.inEffect
                : JournalRecord.Outcome.notVerified));
        incident.post("✗ " + what);
        return new RunbookException(interrupted ? ExitCode.INTERRUPTED : e.exitCode() == ExitCode.INVALID_INPUT
                ? ExitCode.VERIFICATION_FAILED : e.exitCode(), what + " (journal " + record.id() + ")", e);
    }

    private ActionResult result(Change<?> change, ActionResult.Outcome outcome, String summary, JsonNode after,
                                String journalId, Instant start, VerifyReport report, List<String> notes,
                                List<Change.Block> shown) {
        return new ActionResult(change.about().command(), change.about().target(), outcome, summary,
                write(change.before()), after, journalId,
                Duration.between(start, clock.instant()).toMillis(), report, notes, shown, null);
    }

    static String newId(Instant at) {
        byte[] b = new byte[2];
        RANDOM.nextBytes(b);
        return Stamp.of(at) + "-" + HexFormat.of().formatHex(b);
    }

    /**
     * A composite action (the drill): one journal record whose {@code before} is what {@code undo}
     * restores, with its steps journaled under it.
     */
    public final class Composite {
        private JournalRecord record;
        private final ServiceLocks.Lease lease;

        private Composite(JournalRecord record, ServiceLocks.Lease lease) {
            this.record = record;
            this.lease = lease;
        }

        public String id() {
            return record.id();
        }

        /**
         * Runs the composite's steps, journaled under it, under the lock it took for all of them: given
         * back between its steps, a colleague could take it while the drill still has to put the service
         * back. Each step still confirms, just before it sends, that the composite holds it.
         */
        public ChangePipeline steps() {
            ServiceLocks.Lease held = new ServiceLocks.Lease() {
                @Override
                public Optional<String> tookOver() {
                    return Optional.empty();
                }

                @Override
                public Optional<String> lost() {
                    return lease.lost();
                }

                @Override
                public Optional<String> confirmHeld() {
                    return lease.confirmHeld();
                }

                @Override
                public void release() {
                    // The composite gives its lock back when it ends.
                }
            };
            return new ChangePipeline(journal, ui, verifier, notifier, clock, user, dryRun, record.id(), origin,
                    waitLimit, note, force, reason, (service, command, why, progress) -> held, incident, holdBack, capture);
        }

        /** Records that a step changed something. */
        public void changed(String detail) {
            record = record.next(clock.instant(), JournalRecord.State.applied, null, detail);
            journal.append(record);
        }

        /**
         * Records how the composite ended, what it left (null: what it left before), and whether it may
         * have changed anything; then gives its lock back.
         */
        public void end(JournalRecord.State state, Object left, String detail, boolean maybeChanged) {
            try {
                record = record.next(clock.instant(), state, left == null ? null : write(left), detail, maybeChanged);
                journal.append(record);
            } finally {
                lease.release();
            }
        }
    }

    /**
     * Journals the start of a composite action on {@code service} whose {@code undo} restores
     * {@code before}, taking the service's lock for all its steps until {@link Composite#end}. The
     * lock is taken before {@code decide} asks the person, as for a single step, so a colleague's
     * lock stops the drill before the question, and the lock is held while they decide.
     */
    public Composite begin(String command, String kind, ServiceRef service, Object before, String from, String to,
                           String summary, Runnable decide) {
        ServiceLocks.Lease lease = dryRun ? ServiceLocks.NO_LEASE : lock(service, command, refusal -> { });
        try {
            decide.run();
            refuseIfLost(lease);
            Instant now = clock.instant();
            JournalRecord record = new JournalRecord(newId(now), now, user, command, service.path(), kind,
                    write(before), write(before), JournalRecord.State.planned, summary, false, null, from, to, origin,
                    null, reason);
            journal.append(record);
            return new Composite(record, lease);
        } catch (RuntimeException e) {
            lease.release();
            throw e;
        }
    }
}

package dev.virtuoso.rollback.change;

import static dev.virtuoso.rollback.model.Fixtures.REVISIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Fixtures;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceLocks;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.Verifier;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.traffic.TrafficChange;
import dev.virtuoso.rollback.undo.Undo;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

public class ChangePipelineTest {
    private final Clock clock = Clock.fixed(Fixtures.T0, ZoneOffset.UTC);
    private final FakeControl control = new FakeControl(Fixtures.seed());
    private final MemoryJournal journal = new MemoryJournal();
    private final Interaction ui = mock(Interaction.class);
    private final Verifier verifier = mock(Verifier.class);
    private final ChangePipeline executor = new ChangePipeline(journal, ui, verifier, Notifier.NONE, clock, "alice", false);
    private final VerifyRequest checks = new VerifyRequest("http://127.0.0.1:1", new Runbook.Checks(null, null, null, null),
            true, true, Optional.empty());

    private TrafficChange change(Plan plan) {
        return new TrafficChange(plan, control);
    }

    private Plan previous() {
        return QuickRollback.plan(control.state, REVISIONS, new QuickRollback.Previous(), 100);
    }

    @Test
    void appliesJournalsBeforeAndAfterAndVerifies() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenReturn(new VerifyReport("u", 5, List.of(
                new CheckResult("/health", "health", Verdict.PASS, 200, 3, "HTTP 200"))));
        Plan plan = previous();
        ActionResult r = executor.execute(change(plan), Optional.of(checks));

        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.applied);
        assertThat(r.ok()).isTrue();
        assertThat(control.updates).isEqualTo(1);
        assertThat(control.state.traffic()).isEqualTo(plan.after());
        assertThat(journal.lines).extracting(JournalRecord::state).containsExactly(
                JournalRecord.State.planned, JournalRecord.State.applied, JournalRecord.State.verified);
        JournalRecord first = journal.lines.get(0);
        assertThat(first.user()).isEqualTo("alice");
        assertThat(first.target()).isEqualTo("projects/p1/locations/us-central1/services/virtuoso-api");
        assertThat(first.before().toString()).contains("\"latest\":true").contains("stable-2024-07-24");
    }

    @Test
    void theReasonIsJournaledWithEveryStateAndGivenToTheServiceLockWhenTakingIt() {
        when(ui.progress()).thenReturn(Progress.NONE);
        List<String> lockedFor = new ArrayList<>();
        ServiceLocks locks = (service, command, reason, progress) -> {
            lockedFor.add(service.name() + " " + command + ": " + reason);
            return ServiceLocks.NO_LEASE;
        };

        executor.because("  5xx after v1.2.1 ").locking(locks).execute(change(previous()), Optional.empty());

        assertThat(lockedFor).containsExactly("virtuoso-api quick --previous: 5xx after v1.2.1");
        assertThat(journal.lines).isNotEmpty().allSatisfy(r -> assertThat(r.reason()).isEqualTo("5xx after v1.2.1"));
    }

    @Test
    void unchangedPlanMakesNoCallAndNoJournalLine() {
        control.state = Fixtures.state(List.of(new TrafficEntry(false, "virtuoso-api-00002-def", 100, "stable-2024-07-24")));
        ActionResult r = executor.execute(change(previous().unchanged() ? previous()
                : QuickRollback.plan(control.state, REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00002-def"), 100)),
                Optional.of(checks));
        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.unchanged);
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void dryRunShowsThePlanAndChangesNothing() {
        ActionResult r = new ChangePipeline(journal, ui, verifier, Notifier.NONE, clock, "alice", true)
                .execute(change(previous()), Optional.of(checks));
        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.planned);
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void refusedConfirmationChangesNothing() {
        org.mockito.Mockito.doThrow(RunbookException.invalid("not confirmed; nothing was changed")).when(ui).confirm(any(Change.class), any());
        org.mockito.Mockito.doThrow(RunbookException.invalid("not confirmed; nothing was changed")).when(ui)
                .confirmAskingWhy(any(Change.class), any());
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.empty()))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void conflictIsJournaledAsFailedAndRethrown() {
        when(ui.progress()).thenReturn(Progress.NONE);
        Plan plan = previous();
        control.concurrentChange = true;
        assertThatThrownBy(() -> executor.execute(change(plan), Optional.empty()))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        assertThat(journal.lines).extracting(JournalRecord::state)
                .containsExactly(JournalRecord.State.planned, JournalRecord.State.failed);
    }

    @Test
    void checksThatCouldNotRunLeaveTheStepAppliedNotVerifiedAndSayWhy() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenReturn(new VerifyReport("u", 5, List.of(
                CheckResult.notRun("list commands", "functional", "API key not available"))));
        executor.execute(change(previous()), Optional.of(checks));
        JournalRecord last = journal.lines.get(journal.lines.size() - 1);
        assertThat(last.state()).isEqualTo(JournalRecord.State.applied);
        assertThat(last.detail()).isEqualTo("verification: 0/1 checks passed (list commands could not run: API key "
                + "not available)");
    }

    @Test
    void failedVerificationIsJournaledAndMakesTheResultNotOk() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenReturn(new VerifyReport("u", 5, List.of(
                new CheckResult("/health", "health", Verdict.FAIL, 503, 3, "HTTP 503"))));
        ActionResult r = executor.execute(change(previous()), Optional.of(checks));
        assertThat(r.ok()).isFalse();
        assertThat(journal.lines.get(journal.lines.size() - 1).state()).isEqualTo(JournalRecord.State.failed);
    }

    @Test
    void aTrafficListThatDoesNotAddUpIsRefusedBeforeAnything() {
        Plan bad = new Plan("undo", Fixtures.REF, "s", control.state, List.of(TrafficEntry.toRevision(
                "virtuoso-api-00002-def", 100), TrafficEntry.toLatest(50)), List.of(), null);
        assertThatThrownBy(() -> executor.execute(change(bad), Optional.empty()))
                .hasMessageContaining("the percents add up to 150%, not 100%")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void aChangeInFlightIsAdoptedNotSentAgain() {
        when(ui.progress()).thenReturn(Progress.NONE);
        Plan first = previous();
        // A run that was killed while waiting: its journal step stays planned, its change is in flight.
        JournalRecord killed = new JournalRecord("killed-1", Fixtures.T0, "bob", "quick", Fixtures.REF.path(),
                TrafficChange.KIND, JournalStates.write(TrafficChange.TrafficState.of(first.before().traffic())),
                JournalStates.write(TrafficChange.TrafficState.of(first.after())),
                JournalRecord.State.planned, "s");
        journal.append(killed);
        control.state = inFlight(control.state, first.after());

        ActionResult r = executor.execute(change(previous()), Optional.empty());

        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.applied);
        assertThat(control.updates).isZero();
        assertThat(control.awaited).isEqualTo(1);
        assertThat(r.notes().get(0)).startsWith("adopted the change already in flight").contains("killed-1");
        JournalRecord adopted = journal.history().get(1);
        assertThat(adopted.state()).isEqualTo(JournalRecord.State.applied);
        assertThat(adopted.before()).isEqualTo(killed.before());
        assertThat(journal.find("killed-1").orElseThrow().state()).isEqualTo(JournalRecord.State.planned);
    }

    @Test
    void anErrorAfterSendingIsJournaledAsAChangeSoUndoCanPickIt() {
        when(ui.progress()).thenReturn(Progress.NONE);
        control.failAfterSending = new RunbookException(ExitCode.API_FAILURE, "Cloud Run: permission denied on the operation");
        Plan plan = previous();
        assertThatThrownBy(() -> executor.execute(change(plan), Optional.empty()))
                .hasMessageContaining("permission denied on the operation; the change was sent and is not in effect yet")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isTrue();
        assertThat(Undo.pick(journal, null).id()).isEqualTo(last.id());
    }

    @Test
    void anErrorWhenTheGoalHoldsAnywayGoesOnAsApplied() {
        when(ui.progress()).thenReturn(Progress.NONE);
        control.failAfterSending = new RunbookException(ExitCode.API_FAILURE, "Cloud Run: operation poll failed");
        control.settleBeforeFailing = true;
        ActionResult r = executor.execute(change(previous()), Optional.empty());
        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.applied);
        assertThat(journal.history().get(0).state()).isEqualTo(JournalRecord.State.applied);
    }

    @Test
    void interruptedAfterSendingIsJournaledInterruptedAndChanged() {
        when(ui.progress()).thenReturn(Progress.NONE);
        control.failAfterSending = Wait.interrupted("waiting for the update");
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.empty()))
                .hasMessageContaining("the change was sent and is not in effect yet")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERRUPTED));
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.interrupted);
        assertThat(last.changed()).isTrue();
    }

    @Test
    void aPlainRuntimeExceptionAfterSendingIsJournaledFailedAndChangedAndNamesTheUndo() {
        when(ui.progress()).thenReturn(Progress.NONE);
        // A client's own exception, not translated by its adapter: a bug, but the change was sent.
        control.failAfterSending = new IllegalStateException("ManagedChannel shut down");
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.empty()))
                .isInstanceOf(RunbookException.class)
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERNAL))
                .hasMessageContaining("internal error: java.lang.IllegalStateException: ManagedChannel shut down")
                .hasMessageContaining("the change was sent and is not in effect yet")
                .hasMessageContaining("`rollback undo " + journal.history().get(0).id() + "`");
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isTrue();
        assertThat(Undo.pick(journal, null).id()).isEqualTo(last.id());
    }

    @Test
    void aPlainRuntimeExceptionWhileAdoptingAChangeInFlightIsJournaledFailedAndChanged() {
        when(ui.progress()).thenReturn(Progress.NONE);
        Plan first = previous();
        control.state = inFlight(control.state, first.after());
        control.failAwaiting = new NullPointerException("statuses");
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.empty()))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERNAL))
                .hasMessageContaining("the change was sent and is not in effect yet")
                .hasMessageContaining("`rollback undo ");
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isTrue();
    }

    @Test
    void aPlainRuntimeExceptionFromTheChecksAfterTheChangeIsJournaledFailedNotNothingChanged() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenThrow(new IllegalStateException("no TLS provider"));
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.of(checks)))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERNAL))
                .hasMessageContaining("was applied, but verification could not run: internal error: "
                        + "java.lang.IllegalStateException: no TLS provider");
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isTrue();
    }

    @Test
    void aDeployRefusedForATakenNameIsNotInEffectBecauseTrafficNamesThatNameWhileItRunsAnotherImage() {
        when(ui.progress()).thenReturn(Progress.NONE);
        // The day's first image rollback made this revision (v1.1.0) and pinned traffic to it; a second,
        // to v1.0.0, asks for the same name and is refused. The traffic names that name all the same.
        String taken = "virtuoso-api-rollback-20261120";
        List<Revision> revisions = new ArrayList<>(REVISIONS);
        revisions.add(0, new Revision(taken, "virtuoso-api", true, "", "img:v1.1.0", Fixtures.T0.plusSeconds(400)));
        control.revisions = revisions;
        control.state = Fixtures.state(List.of(TrafficEntry.toRevision(taken, 100),
                new TrafficEntry(false, "virtuoso-api-00002-def", 0, "stable-2024-07-24")));
        control.refuseDeploy = new RunbookException(ExitCode.API_FAILURE, "Cloud Run: already exists on update of "
                + Fixtures.REF.path() + ": Revision named '" + taken + "' with different configuration already "
                + "exists.");
        Change<?> change = ImageChange.deploy("image --image img:v1.0.0", control.state, "img:v1.1.0", "img:v1.0.0", taken,
                List.of(), control);

        assertThatThrownBy(() -> executor.execute(change, Optional.empty()))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE))
                .hasMessageEndingWith("with different configuration already exists.; nothing was changed");
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isFalse();
    }

    @Test
    void verificationThatCannotRunAfterTheChangeIsNotReportedAsNothingChanged() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenThrow(RunbookException.invalid("secret virtuoso-api-key has no ENABLED version"));
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.of(checks)))
                .hasMessageContaining("was applied, but verification could not run")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.VERIFICATION_FAILED));
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isTrue();
    }

    @Test
    void anOldDeployFailureOnRecordDoesNotMakeAnUnsentChangeLookSent() {
        // The usual reason to roll back: the last deploy failed, and Cloud Run keeps saying so.
        ServiceState s = control.state;
        control.state = new ServiceState(s.ref(), s.uri(), s.generation(), s.observedGeneration(), s.etag(), false,
                "Revision 'virtuoso-api-00004-jkl' is not ready and cannot serve traffic.", s.latestReadyRevision(),
                s.latestCreatedRevision(), s.traffic(), s.trafficStatuses(), Map.of(), s.image());
        control.refuseNext = new RunbookException(ExitCode.API_FAILURE, "Cloud Run: unavailable");
        assertThatThrownBy(() -> executor.execute(change(previous()), Optional.empty()))
                .hasMessage("Cloud Run: unavailable; nothing was changed");
        JournalRecord last = journal.history().get(0);
        assertThat(last.state()).isEqualTo(JournalRecord.State.failed);
        assertThat(last.changed()).isFalse();
    }

    private static ServiceState inFlight(ServiceState s, List<TrafficEntry> asked) {
        return new ServiceState(s.ref(), s.uri(), s.generation() + 1, s.generation(), "etag-in-flight", true, null,
                s.latestReadyRevision(), s.latestCreatedRevision(), asked, s.trafficStatuses(), Map.of(), s.image());
    }

    /** A service that applies traffic at once, or reports a concurrent change, or fails after sending. */
    public static final class FakeControl implements ServiceControl {
        public ServiceState state;
        public int updates;
        int awaited;
        boolean concurrentChange;
        RuntimeException failAfterSending;
        boolean settleBeforeFailing;
        public RunbookException refuseNext;
        RuntimeException failAwaiting;
        RuntimeException refuseDeploy;
        List<Revision> revisions = REVISIONS;

        public FakeControl(ServiceState state) {
            this.state = state;
        }

        @Override
        public ServiceState service(ServiceRef ref) {
            return state;
        }

        @Override
        public List<Revision> revisions(ServiceRef ref) {
            if (ref == null) {
                throw RunbookException.invalid("no revisions");
            }
            return revisions;
        }

        @Override
        public java.util.Optional<ServiceState> peek(ServiceRef ref, java.time.Duration within) {
            return java.util.Optional.of(state);
        }

        @Override
        public java.util.Optional<Revision> peekRevision(ServiceRef ref, String name, java.time.Duration within) {
            return revisions.stream().filter(r -> r.name().equals(name)).findFirst();
        }

        @Override
        public ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, java.time.Duration limit,
                                          Progress progress) {
            if (concurrentChange || !expected.etag().equals(state.etag())) {
                throw new RunbookException(ExitCode.CONFLICT, "changed");
            }
            if (refuseNext != null) {
                RunbookException e = refuseNext;
                refuseNext = null;
                throw e;
            }
            updates++;
            if (failAfterSending != null) {
                state = settleBeforeFailing ? settled(traffic) : inFlight(state, traffic);
                throw failAfterSending;
            }
            return settled(traffic);
        }

        @Override
        public ServiceState deploy(ServiceState expected, String image, String revision, List<TrafficEntry> traffic,
                                   java.time.Duration limit, Progress progress) {
            if (refuseDeploy != null) {
                throw refuseDeploy;
            }
            throw new UnsupportedOperationException("traffic only");
        }

        @Override
        public ServiceState awaitDeploy(ServiceRef ref, java.util.Set<String> known, java.time.Duration limit,
                                        Progress progress) {
            throw new UnsupportedOperationException("traffic only");
        }

        @Override
        public ServiceState awaitTraffic(ServiceState planned, List<TrafficEntry> traffic, java.time.Duration limit,
                                         Progress progress) {
            awaited++;
            if (failAwaiting != null) {
                throw failAwaiting;
            }
            state = new ServiceState(state.ref(), state.uri(), state.generation(), state.generation(), state.etag(),
                    false, null, state.latestReadyRevision(), state.latestCreatedRevision(), traffic, traffic, Map.of(),
                    state.image());
            return state;
        }

        private ServiceState settled(List<TrafficEntry> traffic) {
            state = new ServiceState(state.ref(), state.uri(), state.generation() + 1, state.generation() + 1,
                    "etag-" + (state.generation() + 1), false, null, state.latestReadyRevision(),
                    state.latestCreatedRevision(), traffic, traffic, Map.of(), state.image());
            return state;
        }
    }

    public static final class MemoryJournal implements Journal {
        public final List<JournalRecord> lines = new ArrayList<>();

        @Override
        public void checkWritable() {
        }

        @Override
        public void append(JournalRecord record) {
            lines.add(record);
        }

        @Override
        public List<JournalRecord> history() {
            Map<String, JournalRecord> newest = new java.util.LinkedHashMap<>();
            lines.forEach(r -> newest.put(r.id(), r));
            return new ArrayList<>(newest.values());
        }
    }
}

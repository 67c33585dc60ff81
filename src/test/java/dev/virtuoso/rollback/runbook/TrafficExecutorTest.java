package dev.virtuoso.rollback.runbook;

import static dev.virtuoso.rollback.runbook.Fixtures.REVISIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrafficExecutorTest {
    private final Clock clock = Clock.fixed(Fixtures.T0, ZoneOffset.UTC);
    private final FakeControl control = new FakeControl(Fixtures.seed());
    private final MemoryJournal journal = new MemoryJournal();
    private final Interaction ui = mock(Interaction.class);
    private final Verifier verifier = mock(Verifier.class);
    private final TrafficExecutor executor = new TrafficExecutor(control, journal, ui, verifier, Notifier.NONE, clock, "alice");
    private final VerifyRequest checks = new VerifyRequest("http://127.0.0.1:1", new Runbook.Checks(null, null, null, null),
            true, true, Optional.empty());

    private Plan previous() {
        return QuickRollback.plan(control.state, REVISIONS, new QuickRollback.Previous(), 100);
    }

    @Test
    void appliesJournalsBeforeAndAfterAndVerifies() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenReturn(new VerifyReport("u", 5, List.of(
                new CheckResult("/health", "health", Verdict.PASS, 200, 3, "HTTP 200"))));
        Plan plan = previous();
        ActionResult r = executor.execute(plan, false, Optional.of(checks));

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
    void unchangedPlanMakesNoCallAndNoJournalLine() {
        control.state = Fixtures.state(List.of(new TrafficEntry(false, "virtuoso-api-00002-def", 100, "stable-2024-07-24")));
        ActionResult r = executor.execute(previous().unchanged() ? previous()
                : QuickRollback.plan(control.state, REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00002-def"), 100),
                false, Optional.of(checks));
        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.unchanged);
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void dryRunShowsThePlanAndChangesNothing() {
        ActionResult r = executor.execute(previous(), true, Optional.of(checks));
        assertThat(r.outcome()).isEqualTo(ActionResult.Outcome.planned);
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void refusedConfirmationChangesNothing() {
        org.mockito.Mockito.doThrow(RunbookException.invalid("not confirmed; nothing was changed")).when(ui).confirm(any(Plan.class));
        assertThatThrownBy(() -> executor.execute(previous(), false, Optional.empty()))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    @Test
    void conflictIsJournaledAsFailedAndRethrown() {
        when(ui.progress()).thenReturn(Progress.NONE);
        Plan plan = previous();
        control.concurrentChange = true;
        assertThatThrownBy(() -> executor.execute(plan, false, Optional.empty()))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        assertThat(journal.lines).extracting(JournalRecord::state)
                .containsExactly(JournalRecord.State.planned, JournalRecord.State.failed);
    }

    @Test
    void failedVerificationIsJournaledAndMakesTheResultNotOk() {
        when(ui.progress()).thenReturn(Progress.NONE);
        when(verifier.verify(any())).thenReturn(new VerifyReport("u", 5, List.of(
                new CheckResult("/health", "health", Verdict.FAIL, 503, 3, "HTTP 503"))));
        ActionResult r = executor.execute(previous(), false, Optional.of(checks));
        assertThat(r.ok()).isFalse();
        assertThat(journal.lines.get(journal.lines.size() - 1).state()).isEqualTo(JournalRecord.State.failed);
    }

    /** A service that applies traffic at once, or reports a concurrent change. */
    static final class FakeControl implements ServiceControl {
        ServiceState state;
        int updates;
        boolean concurrentChange;

        FakeControl(ServiceState state) {
            this.state = state;
        }

        @Override
        public ServiceState service(ServiceRef ref) {
            return state;
        }

        @Override
        public List<Revision> revisions(ServiceRef ref) {
            return REVISIONS;
        }

        @Override
        public ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, Progress progress) {
            if (concurrentChange || !expected.etag().equals(state.etag())) {
                throw new RunbookException(ExitCode.CONFLICT, "changed");
            }
            updates++;
            state = new ServiceState(state.ref(), state.uri(), state.generation() + 1, state.generation() + 1,
                    "etag-" + (state.generation() + 1), false, false, state.latestReadyRevision(),
                    state.latestCreatedRevision(), traffic, traffic, Map.of(), state.image());
            return state;
        }
    }

    static final class MemoryJournal implements Journal {
        final List<JournalRecord> lines = new ArrayList<>();

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

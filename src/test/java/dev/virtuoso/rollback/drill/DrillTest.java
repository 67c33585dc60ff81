package dev.virtuoso.rollback.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.change.AgreeingInteraction;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.change.ChangePipelineTest;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Fixtures;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.Verifier;
import dev.virtuoso.rollback.traffic.TrafficChange;
import dev.virtuoso.rollback.undo.Undo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The drill's flow and timings with a fake service, fake checks and a clock that moves when it sleeps. */
class DrillTest {
    private final Instant[] now = {Fixtures.T0};
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now[0];
        }
    };
    private final ChangePipelineTest.FakeControl control = new ChangePipelineTest.FakeControl(Fixtures.seed());
    private final ChangePipelineTest.MemoryJournal journal = new ChangePipelineTest.MemoryJournal();
    private final SecretStore secrets = org.mockito.Mockito.mock(SecretStore.class);
    private final AgreeingInteraction ui = new AgreeingInteraction();

    /** Checks fail while the broken revision serves; each check run takes 2 s. */
    private final Verifier checks = req -> {
        now[0] = now[0].plusSeconds(2);
        boolean broken = badServes();
        return new VerifyReport("u", 2000, List.of(new CheckResult("/health", "health",
                broken ? Verdict.FAIL : Verdict.PASS, broken ? 503 : 200, 5, "")));
    };

    /** The drill has broken the service: the bad revision serves. */
    private boolean badServes() {
        return control.state.servingRevision().orElse("").equals("virtuoso-api-00003-ghi");
    }

    private Drill drill(Verifier v) {
        ChangePipeline executor = new ChangePipeline(journal, ui, v, Notifier.NONE, clock, "drill", false);
        return new Drill(control, secrets, executor, v, s -> new VerifyRequest("http://127.0.0.1:1", new Runbook.Checks(null,
                null, null, null), true, false, Optional.empty()), Runbook.DecisionRow.DEFAULTS, ui, Notifier.NONE,
                new Wait(clock, d -> now[0] = now[0].plus(d)));
    }

    private static Drill.Request request(String bad) {
        return new Drill.Request(Fixtures.REF, bad, null, null, Duration.ofMinutes(2), Duration.ofMinutes(5), "carol",
                "runbooks/staging.yaml", "rollback 1.0");
    }

    @Test
    void detectsRecoversRestoresAndJudgesAgainstTheMatrix() {
        Drill.Report r = drill(checks).run(request("virtuoso-api-00003-ghi"));
        assertThat(r.stableRevision()).isEqualTo("virtuoso-api-00002-def");
        assertThat(r.timeToDetectMs()).isEqualTo(2000);
        assertThat(r.timeToRecoverMs()).isEqualTo(2000);
        assertThat(r.failedCheckRatio()).isEqualTo(1.0);
        assertThat(r.severity()).isEqualTo("critical");
        assertThat(r.withinDeadline()).isTrue();
        assertThat(r.ok()).isTrue();
        assertThat(r.steps()).extracting(Drill.Step::name).containsExactly("record", "break", "detect", "recover", "restore");
        assertThat(r.failedChecks()).containsExactly("/health");
        assertThat(r.passedChecks()).containsExactly("/health");
        assertThat(r.ranBy()).isEqualTo("carol");
        assertThat(r.detectTimeoutMs()).isEqualTo(120_000);
        assertThat(control.state.traffic()).isEqualTo(Fixtures.SEED_TRAFFIC);
    }

    @Test
    void checksThatMissTheBadRevisionFailTheDrill() {
        Verifier blind = req -> {
            now[0] = now[0].plusSeconds(1);
            return new VerifyReport("u", 1000, List.of(new CheckResult("/health", "health", Verdict.PASS, 200, 5, "")));
        };
        Drill.Report r = drill(blind).run(request("virtuoso-api-00003-ghi"));
        assertThat(r.timeToDetectMs()).isNull();
        assertThat(r.ok()).isFalse();
        assertThat(r.steps().get(2).detail()).startsWith("NOT detected");
    }

    @Test
    void checksThatCannotReachTheBadRevisionAreNoDetection() {
        Verifier unreachableWhileBroken = req -> {
            now[0] = now[0].plusSeconds(1);
            return new VerifyReport("u", 1000, List.of(badServes()
                    ? new CheckResult("/health", "health", Verdict.FAIL, null, 5, "connection refused by u:1",
                            CheckResult.Cause.UNREACHABLE)
                    : new CheckResult("/health", "health", Verdict.PASS, 200, 5, "")));
        };
        Drill.Report r = drill(unreachableWhileBroken).run(request("virtuoso-api-00003-ghi"));
        assertThat(r.timeToDetectMs()).isNull();
        assertThat(r.ok()).isFalse();
        assertThat(r.steps().get(2).detail()).startsWith("NOT detected: connection refused by u:1 against "
                + "virtuoso-api-00003-ghi");
        assertThat(control.state.traffic()).isEqualTo(Fixtures.SEED_TRAFFIC);
    }

    @Test
    void aRecoveryIsCountedOnlyWhenEveryCheckPassedNotWhenNoneFailed() {
        Verifier inconclusiveAfter = req -> {
            now[0] = now[0].plusSeconds(1);
            return new VerifyReport("u", 1000, List.of(badServes()
                    ? new CheckResult("/health", "health", Verdict.FAIL, 503, 5, "")
                    : new CheckResult("/health", "health", Verdict.INCONCLUSIVE, null, 0, "too few requests")));
        };
        Drill.Report r = drill(inconclusiveAfter).run(request("virtuoso-api-00003-ghi"));
        assertThat(r.timeToDetectMs()).isNotNull();
        assertThat(r.timeToRecoverMs()).isNull();
        assertThat(r.ok()).isFalse();
        assertThat(r.steps().get(3).detail()).startsWith("NOT recovered on virtuoso-api-00002-def after 5m: "
                + "too little traffic to judge /health");
    }

    @Test
    void aChangeSomeoneSendsMidDrillIsReplacedByTheDrillsOwnStepsNotLeftOnTheBadRevision() {
        ui.yes = true;
        boolean[] sent = {false};
        Verifier theirsArrives = req -> {
            if (badServes() && !sent[0]) {
                // Someone else's change, still being applied: the bad revision serves until it lands.
                sent[0] = true;
                ServiceState s = control.state;
                control.state = new ServiceState(s.ref(), s.uri(), s.generation() + 1, s.generation(), "etag-theirs",
                        true, null, s.latestReadyRevision(), s.latestCreatedRevision(), List.of(new TrafficEntry(false,
                        "virtuoso-api-00001-abc", 100, null)), s.trafficStatuses(), s.tagUrls(), s.image());
            }
            return checks.verify(req);
        };
        Drill.Report r = drill(theirsArrives).run(request("virtuoso-api-00003-ghi"));
        assertThat(sent[0]).isTrue();
        assertThat(r.ok()).isTrue();
        assertThat(control.state.traffic()).isEqualTo(Fixtures.SEED_TRAFFIC);
    }

    @Test
    void aFailureMidDrillPutsTheStableRevisionBack() {
        Verifier exploding = req -> {
            if (!badServes()) {
                return checks.verify(req);
            }
            throw new RunbookException(ExitCode.API_FAILURE, "checks crashed");
        };
        control.state = Fixtures.state(List.of(new TrafficEntry(false, "virtuoso-api-00002-def", 100, "stable-2024-07-24")));
        assertThatThrownBy(() -> drill(exploding).run(request("virtuoso-api-00003-ghi"))).hasMessage("checks crashed");
        assertThat(control.updates).as("the break, then the stable revision put back").isEqualTo(2);
        assertThat(control.state.servingRevision()).contains("virtuoso-api-00002-def");
    }

    @Test
    void theSameBadAndStableRevisionIsRefusedBeforeAnythingChanges() {
        Drill.Request req = new Drill.Request(Fixtures.REF, "virtuoso-api-00002-def", null, "virtuoso-api-00002-def",
                Duration.ofMinutes(2), Duration.ofMinutes(5), "carol", null, "rollback 1.0");
        assertThatThrownBy(() -> drill(checks).run(req))
                .hasMessageStartingWith("the bad revision and the stable revision are both virtuoso-api-00002-def")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }

    private static final List<TrafficEntry> STABLE_SERVES = List.of(new TrafficEntry(false, "virtuoso-api-00002-def",
            100, "stable-2024-07-24"));

    @Test
    void ctrlCMidDrillPutsTheOriginalTrafficBackAndExits130() {
        control.state = Fixtures.state(STABLE_SERVES);
        Verifier interrupted = req -> {
            if (!badServes()) {
                return checks.verify(req);
            }
            throw Wait.interrupted("running the checks");
        };
        assertThatThrownBy(() -> drill(interrupted).run(request("virtuoso-api-00003-ghi")))
                .hasMessage("drill interrupted; the original traffic of virtuoso-api is restored")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERRUPTED));
        assertThat(control.state.traffic()).isEqualTo(STABLE_SERVES);
        assertThat(control.updates).isEqualTo(2); // break, then the restore
        JournalRecord drillRecord = journal.history().get(0);
        assertThat(drillRecord.command()).startsWith("drill");
        assertThat(drillRecord.state()).isEqualTo(JournalRecord.State.interrupted);
        assertThat(journal.history()).filteredOn(r -> drillRecord.id().equals(r.parent())).hasSize(2);
    }

    @Test
    void ctrlCWhenTheRestoreFailsSaysAndJournalsWhatUndoWillDo() {
        control.state = Fixtures.state(STABLE_SERVES);
        Verifier interrupted = req -> {
            if (!badServes()) {
                return checks.verify(req);
            }
            control.refuseNext = new RunbookException(ExitCode.API_FAILURE, "Cloud Run: unavailable");
            throw Wait.interrupted("running the checks");
        };
        assertThatThrownBy(() -> drill(interrupted).run(request("virtuoso-api-00003-ghi")))
                .hasMessageContaining("the original traffic could not be restored (Cloud Run: unavailable")
                .hasMessageContaining("`rollback undo ")
                .hasMessageContaining("routes virtuoso-api back to [virtuoso-api-00002-def (tag stable-2024-07-24) 100%]")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERRUPTED));
        JournalRecord drillRecord = journal.history().get(0);
        assertThat(drillRecord.state()).isEqualTo(JournalRecord.State.interrupted);
        assertThat(drillRecord.detail()).contains("`rollback undo " + drillRecord.id() + "`");
        // The default undo takes the drill as a whole, whose `before` is the original traffic.
        assertThat(Undo.pick(journal, null).id()).isEqualTo(drillRecord.id());
        assertThat(JournalStates.read(drillRecord.before(), TrafficChange.TrafficState.class).orElseThrow().traffic())
                .isEqualTo(STABLE_SERVES);
    }

    @Test
    void aDryRunShowsTheFirstStepAndChangesNothing() {
        ChangePipeline dry = new ChangePipeline(journal, ui, checks, Notifier.NONE, clock, "drill", true);
        Drill.Report r = new Drill(control, secrets, dry, checks, s -> new VerifyRequest("http://127.0.0.1:1",
                new Runbook.Checks(null, null, null, null), true, false, Optional.empty()), Runbook.DecisionRow.DEFAULTS,
                ui, Notifier.NONE, new Wait(clock, d -> now[0] = now[0].plus(d))).run(request("virtuoso-api-00003-ghi"));
        assertThat(r.dryRun()).isTrue();
        assertThat(ui.said).contains("  3. route 100% to the stable revision virtuoso-api-00002-def", "dry run: nothing changed");
        assertThat(control.updates).isZero();
        assertThat(journal.lines).isEmpty();
    }
}

package dev.virtuoso.rollback.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.alertpolicy.AlertPolicyChange;
import dev.virtuoso.rollback.change.AgreeingInteraction;
import dev.virtuoso.rollback.change.ChangePipelineTest;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.Fixtures;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Metrics;
import dev.virtuoso.rollback.traffic.TrafficChange;
import dev.virtuoso.rollback.verification.Verification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `watch --auto` with firing metrics, a fixed journal and a clock that moves only when it waits. */
class WatchTest {
    private final Instant[] now = {Fixtures.T0};
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now[0];
        }
    };
    private final ChangePipelineTest.MemoryJournal journal = new ChangePipelineTest.MemoryJournal();
    private final AgreeingInteraction ui = new AgreeingInteraction();
    private final AtomicInteger rollbacks = new AtomicInteger();
    private final List<String> triggers = new ArrayList<>();

    private Watch.Result watch() {
        // Half the requests fail, every minute: the error-rate trigger fires at once.
        Metrics firing = (service, revision, window) -> new MetricSample(now[0].minus(window), now[0], 1000, 500, 300.0);
        Watch watch = new Watch(new Verification(req -> null, firing, clock),
                new ChangePipelineTest.FakeControl(Fixtures.seed()), journal, (look, trigger) -> {
                    triggers.add(trigger);
                    rollbacks.incrementAndGet();
                    throw RunbookException.invalid("stop here");
                }, ui, new Wait(clock, d -> now[0] = now[0].plus(d)));
        return watch.run(new Watch.Request(Fixtures.REF, Duration.ofSeconds(10), Optional.of(Duration.ofMinutes(1)),
                true, new Runbook.Triggers(null, null, null, null, Duration.ofSeconds(30)), Runbook.DecisionRow.DEFAULTS));
    }

    @ParameterizedTest(name = "a {0} change")
    @ValueSource(strings = {"traffic", "image", "git"})
    void anyChangeToTheServiceWithinWindowPlusSustainHoldsOffTheAutomaticRollback(String kind) {
        journal.append(new JournalRecord("r-1", now[0].minusSeconds(60), "bob", kind + " rollback", Fixtures.REF.path(),
                kind, null, null, JournalRecord.State.verified, "s").next(now[0].minusSeconds(60),
                JournalRecord.State.verified, null, "done", true));
        assertThat(watch().firing()).isTrue();
        assertThat(rollbacks).hasValue(0);
        assertThat(ui.said).anyMatch(l -> l.startsWith("  not rolling back: virtuoso-api was changed at")
                && l.contains("(" + kind + " rollback, journal r-1)"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"an alert policy changed a minute ago", "the service changed an hour ago"})
    void otherChangesDoNot(String which) {
        boolean policy = which.startsWith("an alert policy");
        Instant at = policy ? now[0].minusSeconds(60) : now[0].minus(Duration.ofHours(1));
        journal.append(new JournalRecord("r-1", at, "bob", "x", policy ? "projects/p1/alertPolicies/x"
                : Fixtures.REF.path(), policy ? AlertPolicyChange.KIND : TrafficChange.KIND, null, null,
                JournalRecord.State.verified, "s").next(at, JournalRecord.State.verified, null, "done", true));
        watch();
        assertThat(rollbacks).hasValue(1);
    }

    @Test
    void theRollbackIsGivenTheTriggerThatHeldAsItsReason() {
        watch();
        assertThat(triggers).containsExactly("trigger held for 30s on " + Fixtures.seed().servingRevision().orElseThrow()
                + ": 5xx 50.0% of 1000, P95 300ms — critical — immediate rollback — within 5m");
    }
}

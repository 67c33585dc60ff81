package dev.virtuoso.rollback.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AssessmentTest {
    private static final Runbook.Triggers T = new Runbook.Triggers(null, null, null, null, null);
    private static final Instant TO = Instant.parse("2026-11-28T03:00:00Z");

    private static Assessment judge(long requests, long errors, Double p95) {
        return Assessment.of(new MetricSample(TO.minus(Duration.ofMinutes(5)), TO, requests, errors, p95), T,
                Runbook.DecisionRow.DEFAULTS);
    }

    @Test
    void sixtyPercentErrorsIsCriticalImmediateRollback() {
        Assessment a = judge(1000, 600, 8229.0);
        assertThat(a.errorRate()).isEqualTo(0.6);
        assertThat(a.fired()).isTrue();
        assertThat(a.errorRateVerdict()).isEqualTo(Verdict.FAIL);
        assertThat(a.latencyVerdict()).isEqualTo(Verdict.FAIL);
        assertThat(a.recommendation()).isEqualTo("critical — immediate rollback — within 5m");
        assertThat(a.reasons()).containsExactly("error rate 60.0% > trigger 20.0%", "P95 latency 8.2s > trigger 5s");
    }

    @Test
    void matrixRowsByErrorRateAndTriggerIsStrictlyGreater() {
        assertThat(judge(1000, 200, 300.0).fired()).isFalse();
        assertThat(judge(1000, 200, 300.0).recommendation()).isEqualTo("high — quick rollback — within 15m");
        assertThat(judge(1000, 201, 300.0).fired()).isTrue();
        assertThat(judge(1000, 50, 300.0).severity()).isEqualTo("medium");
        assertThat(judge(1000, 10, 300.0).recommendation()).isEqualTo("low — monitor and hotfix — within 2h");
    }

    @Test
    void slowButCorrectIsJudgedAtTheTriggerRate() {
        Assessment a = judge(1000, 10, 6000.0);
        assertThat(a.fired()).isTrue();
        assertThat(a.errorRateVerdict()).isEqualTo(Verdict.PASS);
        assertThat(a.severity()).isEqualTo("high");
    }

    @Test
    void tooLittleTrafficIsInconclusiveNeverPass() {
        Assessment zero = judge(0, 0, null);
        assertThat(zero.errorRate()).isNull();
        assertThat(zero.fired()).isFalse();
        assertThat(zero.errorRateVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(zero.recommendation()).startsWith("inconclusive");
        Assessment few = judge(99, 99, 9000.0);
        assertThat(few.errorRateVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(few.latencyVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(few.checks(T)).extracting(CheckResult::verdict).containsOnly(Verdict.INCONCLUSIVE);
        assertThat(few.checks(T).get(0).detail()).contains("fewer than 100 requests");
    }

    @Test
    void noRequestsWithMinRequestsZeroIsInconclusiveNotACrash() {
        Runbook.Triggers any = new Runbook.Triggers(null, null, null, 0L, null);
        Assessment a = Assessment.of(new MetricSample(TO.minus(Duration.ofMinutes(5)), TO, 0, 0, null), any,
                Runbook.DecisionRow.DEFAULTS);
        assertThat(a.fired()).isFalse();
        assertThat(a.errorRateVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(a.reasons()).containsExactly("0 requests in the window: too little traffic to judge");
        assertThat(a.checks(any).get(0).detail()).isEqualTo("no requests over 5m: inconclusive");
    }
}

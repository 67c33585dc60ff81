package dev.virtuoso.rollback.verification;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Metrics judged against the runbook's "Rollback Triggers" and "Decision Matrix". Below
 * {@code minRequests} nothing is judged: the verdict is inconclusive, never pass.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Assessment(
        MetricSample sample,
        Double errorRate,
        Verdict errorRateVerdict,
        Verdict latencyVerdict,
        boolean fired,
        String severity,
        String action,
        Long withinMs,
        List<String> reasons) {

    /** Monitoring data lags 1–3 minutes: say so wherever metrics are shown, lest a first minute pass as a verdict. */
    public static final String LAG_NOTE = "Cloud Monitoring data lags up to ~3 min: the newest minutes are not counted yet";

    /** How long after a change its metrics may still show the traffic from before it (the lag above). */
    public static final Duration LAG = Duration.ofMinutes(3);

    public static Assessment of(MetricSample s, Runbook.Triggers t, List<Runbook.DecisionRow> matrix) {
        Double rate = s.requests() == 0 ? null : (double) s.errors() / s.requests();
        List<String> reasons = new ArrayList<>();
        // No requests at all is never a pass, even with minRequests: 0 (and there is no rate to judge).
        if (s.requests() == 0 || s.requests() < t.minRequests()) {
            reasons.add(s.requests() + " requests in the window" + (t.minRequests() == 0 ? ""
                    : ", fewer than minRequests " + t.minRequests()) + ": too little traffic to judge");
            return new Assessment(s, rate, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, false, null, null, null, reasons);
        }
        Verdict errors = rate > t.errorRate() ? Verdict.FAIL : Verdict.PASS;
        Verdict latency = s.p95Ms() == null ? Verdict.INCONCLUSIVE
                : s.p95Ms() > t.p95Latency().toMillis() ? Verdict.FAIL : Verdict.PASS;
        if (errors == Verdict.FAIL) {
            reasons.add("error rate " + percent(rate) + " > trigger " + percent(t.errorRate()));
        }
        if (latency == Verdict.FAIL) {
            reasons.add("P95 latency " + Durations.format(Duration.ofMillis(Math.round(s.p95Ms()))) + " > trigger "
                    + Durations.format(t.p95Latency()));
        }
        boolean fired = errors == Verdict.FAIL || latency == Verdict.FAIL;
        // The matrix is by error rate; a latency trigger alone is judged as an error rate at the trigger.
        double judged = latency == Verdict.FAIL ? Math.max(rate, t.errorRate()) : rate;
        Runbook.DecisionRow row = matrix.stream().filter(r -> judged >= r.minErrorRate()).findFirst()
                .orElse(matrix.get(matrix.size() - 1));
        return new Assessment(s, rate, errors, latency, fired, row.severity(), row.action(), row.within().toMillis(),
                reasons);
    }

    /** "critical — immediate rollback — within 5m". */
    public String recommendation() {
        return severity == null ? "inconclusive — not enough traffic to judge"
                : severity + " — " + action + " — within " + Durations.format(Duration.ofMillis(withinMs));
    }

    /** The two metric checks of `verify`. */
    public List<CheckResult> checks(Runbook.Triggers t) {
        String window = " over " + Durations.format(Duration.between(sample.from(), sample.to()));
        String errorDetail = errorRate == null ? "no requests" + window + ": inconclusive"
                : percent(errorRate) + " 5xx (" + sample.errors() + " of " + sample.requests() + " requests" + window
                        + "; trigger > " + percent(t.errorRate()) + ")";
        String latencyDetail = sample.p95Ms() == null ? "no latency data" + window + ": inconclusive"
                : "P95 " + Durations.format(Duration.ofMillis(Math.round(sample.p95Ms()))) + window + " (trigger > "
                        + Durations.format(t.p95Latency()) + ")";
        if (errorRateVerdict == Verdict.INCONCLUSIVE && errorRate != null) {
            errorDetail += "; fewer than " + t.minRequests() + " requests: inconclusive";
        }
        return List.of(new CheckResult("error rate", "metric", errorRateVerdict, null, 0, errorDetail),
                new CheckResult("p95 latency", "metric", latencyVerdict, null, 0, latencyDetail));
    }

    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }
}

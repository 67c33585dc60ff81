package dev.virtuoso.rollback.runbook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** `rollback verify`: HTTP checks and metric checks side by side, in one report. */
public final class Verification {
    /** Metric checks of the service, or of one revision, against the runbook's triggers. */
    public record MetricRequest(ServiceRef service, Optional<String> revision, Runbook.Triggers triggers,
                                List<Runbook.DecisionRow> matrix) {
    }

    private final Verifier http;
    private final Metrics metrics;
    private final Clock clock;

    public Verification(Verifier http, Metrics metrics, Clock clock) {
        this.http = http;
        this.metrics = metrics;
        this.clock = clock;
    }

    public VerifyReport run(Optional<VerifyRequest> httpChecks, List<MetricRequest> metricChecks,
                            List<CheckResult> skipped) {
        Instant start = clock.instant();
        // The metric queries run while the HTTP checks do.
        List<CompletableFuture<List<CheckResult>>> metric = metricChecks.stream()
                .map(m -> CompletableFuture.supplyAsync(() -> named(m, assess(m).checks(m.triggers())))).toList();
        List<CheckResult> checks = new ArrayList<>(skipped);
        String url = "";
        if (httpChecks.isPresent()) {
            VerifyReport r = http.verify(httpChecks.get());
            checks.addAll(r.checks());
            url = r.url();
        }
        try {
            metric.forEach(f -> checks.addAll(f.join()));
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        return new VerifyReport(url, Duration.between(start, clock.instant()).toMillis(), checks);
    }

    /** "error rate of virtuoso-api-00002-def" when one revision is judged. */
    private static List<CheckResult> named(MetricRequest m, List<CheckResult> checks) {
        return m.revision().map(rev -> checks.stream().map(c -> new CheckResult(c.name() + " of " + rev, c.kind(),
                c.verdict(), c.status(), c.latencyMs(), c.detail())).toList()).orElse(checks);
    }

    /** A revision is reachable over HTTP alone only through a tag URL. */
    public static Optional<String> tagUrl(ServiceState s, String revision) {
        return s.traffic().stream().filter(e -> e.tag() != null && e.targets(revision))
                .map(e -> s.tagUrls().get(e.tag())).filter(u -> u != null).findFirst();
    }

    /** What stands in the report for HTTP checks that could not reach an untagged revision. */
    public static CheckResult untagged(String revision) {
        return new CheckResult("http checks", "health", Verdict.INCONCLUSIVE, null, 0, revision + " has no tag URL, "
                + "so no request can reach it alone; tag it with `rollback tag --revision " + revision + "`");
    }

    public Assessment assess(MetricRequest m) {
        return Assessment.of(metrics.sample(m.service(), m.revision(), m.triggers().window()), m.triggers(), m.matrix());
    }
}

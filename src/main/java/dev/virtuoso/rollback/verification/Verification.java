package dev.virtuoso.rollback.verification;

import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.Metrics;
import dev.virtuoso.rollback.port.Verifier;
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
        return m.revision().map(rev -> checks.stream().map(c -> c.named(c.name() + " of " + rev)).toList())
                .orElse(checks);
    }

    /** A revision is reachable over HTTP alone only through a tag URL. */
    public static Optional<String> tagUrl(ServiceState s, String revision) {
        return s.traffic().stream().filter(e -> e.tag() != null && e.targets(revision))
                .map(e -> s.tagUrls().get(e.tag())).filter(u -> u != null).findFirst();
    }

    /**
     * HTTP checks asked of a revision without a tag: no request can reach it alone, so nothing is
     * checked (exit 2) and the way to give it a URL is named.
     */
    public static RunbookException untagged(String revision) {
        return RunbookException.invalid(revision + " has no tag URL, and a revision is reachable on its own only "
                + "through one: tag it with `rollback tag --revision " + revision + " --name NAME` (it keeps the "
                + "traffic split), or check only its metrics with --metrics");
    }

    public Assessment assess(MetricRequest m) {
        return Assessment.of(metrics.sample(m.service(), m.revision(), m.triggers().window()), m.triggers(), m.matrix());
    }
}

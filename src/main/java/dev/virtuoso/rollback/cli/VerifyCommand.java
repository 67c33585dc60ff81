package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.CheckResult;
import dev.virtuoso.rollback.runbook.ServiceState;
import dev.virtuoso.rollback.runbook.Verdict;
import dev.virtuoso.rollback.runbook.Verification;
import dev.virtuoso.rollback.runbook.VerifyReport;
import dev.virtuoso.rollback.runbook.VerifyRequest;
import dev.virtuoso.rollback.verify.JUnitReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = {
    "Run the runbook's health, functional and metric checks; exit 3 when one fails.",
    "Health: GET each health path. Functional: the API calls, with the API key as X-API-Key (only over https "
        + "or to loopback; without the key they are inconclusive, never a reason to stop). Metrics: error rate "
        + "and P95 of each revision serving now, from Cloud Monitoring over the trigger window (inconclusive "
        + "below minRequests). All checks run at once."},
        footer = {"", "Example (CI smoke check):",
            "  rollback -r runbooks/virtuoso-api.yaml \\", "      verify -o json --junit report.xml"})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--health", description = "Health checks (default: every kind).")
    boolean health;

    @Option(names = "--functional", description = "Functional checks.")
    boolean functional;

    @Option(names = "--metrics", description = "Metric checks from Cloud Monitoring.")
    boolean metrics;

    @Option(names = "--revision", paramLabel = "R",
            description = "Check one revision: HTTP checks through its tag URL, metrics of that revision only.")
    String revision;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write the checks as JUnit XML.")
    Path junit;

    @Override
    public Integer call() {
        boolean all = !health && !functional && !metrics;
        Session s = Session.of(spec);
        if (junit != null) {
            JUnitReport.checkWritable(junit);
        }
        // A misspelt revision is a typo (exit 2), whichever checks are asked for.
        Optional<String> rev = Optional.ofNullable(revision).map(s::revision);
        List<CheckResult> skipped = new ArrayList<>();
        Optional<VerifyRequest> http = Optional.empty();
        if (all || health || functional) {
            http = rev.isEmpty() ? Optional.of(s.verifyRequest(all || health, all || functional))
                    : revisionChecks(s, rev.get(), all || health, all || functional, skipped);
            if ((all || functional) && s.runbook().checks().functional().isEmpty()) {
                skipped.add(new CheckResult("functional checks", "functional", Verdict.INCONCLUSIVE, null, 0,
                        "none run: they are the runbook's checks.functional (-r FILE or ROLLBACK_RUNBOOK)"));
            }
        }
        List<Verification.MetricRequest> metricChecks = all || metrics ? metricRequests(s, rev) : List.of();
        VerifyReport report = s.verification().run(http, metricChecks, skipped);
        if (junit != null) {
            JUnitReport.write(report, s.target().service().name(), s.ctx.clock().instant(), junit, s.ctx.secrets());
        }
        return s.output().verify(report, s.target().service().name());
    }

    /**
     * The revision asked for, else each revision serving now, by its own metrics: right after a
     * rollback the service's window still holds the minutes of the revision rolled away from.
     */
    private static List<Verification.MetricRequest> metricRequests(Session s, Optional<String> rev) {
        if (rev.isPresent()) {
            return List.of(s.metricRequest(rev));
        }
        List<String> serving = List.copyOf(s.control().service(s.target().service()).serving().keySet());
        return serving.isEmpty() ? List.of(s.metricRequest(Optional.empty()))
                : serving.stream().map(r -> s.metricRequest(Optional.of(r))).toList();
    }

    private static Optional<VerifyRequest> revisionChecks(Session s, String rev, boolean h, boolean f,
                                                          List<CheckResult> skipped) {
        ServiceState state = s.control().service(s.target().service());
        Optional<String> url = Verification.tagUrl(state, rev);
        if (url.isEmpty()) {
            skipped.add(Verification.untagged(rev));
        }
        return url.map(u -> s.verifyRequest(state, h, f).at(u));
    }
}

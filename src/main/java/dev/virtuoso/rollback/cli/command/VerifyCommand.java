package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.adapter.files.JUnitReport;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.VerifyView;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.verification.Verification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = {
    "Run the runbook's health, functional and metric checks; exit 3 when one fails.",
    "Health: GET each health path. Functional: the API calls, with the API key as X-API-Key (only over https "
        + "or to loopback). Metrics: error rate and P95 of each revision serving now, from Cloud Monitoring over "
        + "the trigger window. All checks run at once.",
    "It says \"passed\" only when every check judged the service and none failed. The exit code, the first "
        + "that applies:",
    "  3  a check failed: the service answered wrongly (a 5xx, a wrong status),",
    "     did not answer once the request reached it, or a metric is over its",
    "     trigger",
    "  4  a check could not reach the service: unknown host, connection refused",
    "  2  a check asked for could not run (no API key: select the others with",
    "     --health --metrics), or the JUnit report cannot be written",
    "  0  passed; or inconclusive: metrics with too little traffic to judge",
    "     (below minRequests), 3 with --require-metrics"},
        footer = {"", "Example (CI smoke check):",
            "  rollback -r runbooks/virtuoso-api.yaml \\", "      verify -o json --junit report.xml"})
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--health", description = "Health checks (default: every kind).")
    boolean health;

    @Option(names = "--functional", description = "Functional checks.")
    boolean functional;

    @Option(names = "--metrics", description = "Metric checks from Cloud Monitoring.")
    boolean metrics;

    @Option(names = "--require-metrics", description = "Exit 3 when the metrics give no verdict (too little "
            + "traffic in the window) instead of 0; implies --metrics.")
    boolean requireMetrics;

    @Option(names = "--revision", paramLabel = "R", description = "Check one revision: HTTP checks through its tag "
            + "URL (or the service's, when the revision alone serves it; otherwise a revision without a tag cannot "
            + "be reached: tag it first), metrics of that revision only.")
    String revision;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write the checks as JUnit XML (an "
            + "inconclusive check is <skipped>, one that could not reach the service an <error>). Its directory "
            + "must exist.")
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
        List<CheckResult> notRun = new ArrayList<>();
        Optional<VerifyRequest> http = Optional.empty();
        if (all || health || functional) {
            http = Optional.of(rev.isEmpty() ? s.verifyRequest(all || health, all || functional)
                    : revisionChecks(s, rev.get(), all || health, all || functional));
            // By default the kinds the runbook has are run; a kind named on the command line must have checks.
            if (health && s.runbook().checks().health().isEmpty()) {
                notRun.add(CheckResult.notRun("health checks", "health", "none configured in the runbook's "
                        + "checks.health"));
            }
            if (functional && s.runbook().checks().functional().isEmpty()) {
                notRun.add(CheckResult.notRun("functional checks", "functional", "none configured: they are the "
                        + "runbook's checks.functional (-r FILE or ROLLBACK_RUNBOOK)"));
            }
        }
        List<Verification.MetricRequest> metricChecks = all || metrics || requireMetrics ? metricRequests(s, rev)
                : List.of();
        VerifyReport report = s.verification().run(http, metricChecks, notRun);
        String reportProblem = null;
        if (junit != null) {
            try {
                JUnitReport.write(report, s.target().service().name(), s.ctx.clock().instant(), junit,
                        s.ctx.secrets());
            } catch (RunbookException e) {
                reportProblem = e.getMessage(); // the results are still shown
            }
        }
        int code = VerifyView.print(s.output(), report, s.target().service().name(), requireMetrics, reportProblem);
        // Exit 3 is the checks' verdict, told above; any other failure, and a report not written, is an error line.
        String error = code == ExitCode.INVALID_INPUT.code() || code == ExitCode.API_FAILURE.code()
                ? VerifyView.error(report, requireMetrics, reportProblem) : reportProblem;
        if (error != null) {
            s.ctx.err().println("error: " + error);
            s.ctx.err().flush();
        }
        return code;
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

    /**
     * The checks through the revision's tag URL, or through the service's when the revision alone
     * serves it; otherwise no request can reach it, and nothing is checked (exit 2).
     */
    private static VerifyRequest revisionChecks(Session s, String rev, boolean h, boolean f) {
        ServiceState state = s.control().service(s.target().service());
        Optional<String> tagged = Verification.tagUrl(state, rev);
        if (tagged.isEmpty() && state.serving().equals(Map.of(rev, 100))) {
            return s.verifyRequest(state, h, f);
        }
        return s.verifyRequest(state, h, f).at(tagged.orElseThrow(() -> Verification.untagged(rev)));
    }
}

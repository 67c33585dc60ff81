package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.verification.Assessment;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** `verify`'s verdict, and the checks' lines every verified change shows too. */
public final class VerifyView {
    private VerifyView() {
    }

    /**
     * "passed" only when every check judged the service and none failed; a report that could not be
     * written ({@code reportProblem}) turns only a success into exit 2, after the results: a verdict
     * about the service is what a pipeline acts on.
     */
    public static int print(Output o, VerifyReport r, String service, boolean requireMetrics, String reportProblem) {
        VerifyReport.Conclusion conclusion = r.conclusion();
        ExitCode exit = conclusion.exitCode(requireMetrics);
        String why = r.why();
        String error = error(r, requireMetrics, reportProblem);
        if (exit == ExitCode.OK && reportProblem != null) {
            exit = ExitCode.INVALID_INPUT;
        }
        if (o.json()) {
            Output.Document doc = new Output.Document(exit == ExitCode.OK).put("service", service).put("url", r.url())
                    .put("durationMs", r.durationMs()).put("checks", r.checks());
            if (error != null) {
                doc.put("error", error);
            }
            if (hasMetrics(r)) {
                doc.put("note", Assessment.LAG_NOTE);
            }
            return o.print(doc, exit.code());
        }
        Style style = o.style();
        String head = switch (conclusion) {
            case PASSED -> style.ok("✓ verification passed");
            case INCONCLUSIVE -> requireMetrics ? style.bad("✗ verification inconclusive")
                    : style.warn("? verification inconclusive");
            case FAILED -> style.bad("✗ verification failed");
            case UNREACHABLE -> style.bad("✗ verification could not reach the service");
            case NOT_RUN -> style.bad("✗ verification incomplete");
        };
        // Which checks failed, the lines below say.
        o.out().println(head + " for " + service + (r.url().isEmpty() ? "" : " at " + r.url())
                + (why == null || conclusion == VerifyReport.Conclusion.FAILED ? "" : ": " + why)
                + (conclusion == VerifyReport.Conclusion.INCONCLUSIVE && requireMetrics
                ? " (--require-metrics wants a verdict)" : ""));
        checks(o, r);
        o.out().flush();
        return exit.code();
    }

    /** What makes `verify` exit other than 0, in one line: null when it exits 0. */
    public static String error(VerifyReport r, boolean requireMetrics, String reportProblem) {
        String why = r.conclusion().exitCode(requireMetrics) == ExitCode.OK ? null : r.why();
        return why == null ? reportProblem : reportProblem == null ? why : why + "; " + reportProblem;
    }

    /** The count of checks by outcome, then one line per check (a passed check's detail with -v only). */
    static void checks(Output o, VerifyReport r) {
        PrintWriter out = o.out();
        Style style = o.style();
        long failed = r.withCause(Verdict.FAIL, CheckResult.Cause.JUDGED).size();
        long unreachable = r.withCause(Verdict.FAIL, CheckResult.Cause.UNREACHABLE).size();
        long notRun = r.withCause(Verdict.INCONCLUSIVE, CheckResult.Cause.NOT_RUN).size();
        long inconclusive = r.count(Verdict.INCONCLUSIVE) - notRun;
        out.println("  checks: " + r.count(Verdict.PASS) + "/" + r.checks().size() + " passed"
                + (failed == 0 ? "" : ", " + failed + " failed")
                + (unreachable == 0 ? "" : ", " + unreachable + " could not reach the service")
                + (notRun == 0 ? "" : ", " + notRun + " could not run")
                + (inconclusive == 0 ? "" : ", " + inconclusive + " inconclusive")
                + " in " + Durations.format(Duration.ofMillis(r.durationMs())));
        List<String[]> rows = new ArrayList<>();
        for (CheckResult c : r.checks()) {
            String mark = switch (c.verdict()) {
                case PASS -> style.ok("✓");
                case FAIL -> style.bad("✗");
                case INCONCLUSIVE -> style.warn("?");
            };
            rows.add(new String[] {mark, c.kind(), c.name(), c.status() == null ? "-" : c.status().toString(),
                    c.kind().equals("metric") ? "" : c.latencyMs() + " ms",
                    c.verdict() == Verdict.PASS && !o.verbose() && !c.kind().equals("metric") ? "" : c.detail()});
        }
        Render.table(rows, "    ").forEach(out::println);
        if (hasMetrics(r)) {
            out.println("  " + style.dim("note: " + Assessment.LAG_NOTE));
        }
    }

    private static boolean hasMetrics(VerifyReport r) {
        return r.checks().stream().anyMatch(c -> c.kind().equals("metric"));
    }
}

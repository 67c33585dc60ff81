package dev.virtuoso.rollback.cli.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.virtuoso.rollback.adapter.files.DrillReports;
import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.drill.Drill;
import dev.virtuoso.rollback.model.AlertPolicySpec;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.Status;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.verification.Assessment;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Renders results as text or as exactly one JSON document, and returns the exit code. */
public final class Output {
    /**
     * Made on first use (a holder class), so text output, help and errors load no Jackson class. The
     * catch of Jackson's exception lives here too: the verifier loads the type of every catch clause
     * of a class it verifies, so a catch in Output itself would load Jackson for every command.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new JavaTimeModule())
                .addModule(new Jdk8Module()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

        static String pretty(Object doc) {
            try {
                return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final DateTimeFormatter LOCAL_SHORT = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss");
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");
    /** A journal id in a command ({@code undo 20261206T211530Z-6b0d}), its short form in group 1. */
    private static final Pattern JOURNAL_ID = Pattern.compile("\\b\\d{8}T\\d{6}Z-([0-9a-f]+)\\b");

    private final PrintWriter out;
    private final boolean json;
    private final boolean verbose;
    private final Style style;
    private final Clock clock;

    /** {@code clock}: local times (history) are shown in its zone. */
    public Output(PrintWriter out, boolean json, boolean verbose, Style style, Clock clock) {
        this.out = out;
        this.json = json;
        this.verbose = verbose;
        this.style = style;
        this.clock = clock;
    }

    public boolean json() {
        return json;
    }

    public int action(ActionResult r) {
        int code = r.ok() ? 0 : ExitCode.VERIFICATION_FAILED.code();
        if (json) {
            return document(r.ok(), r, code);
        }
        String took = " (" + Durations.format(Duration.ofMillis(r.durationMs())) + ")";
        switch (r.outcome()) {
            case unchanged -> out.println(style.ok("✓") + " " + r.summary() + "; nothing to do" + took);
            case planned -> out.println(r.summary());
            case applied -> {
                out.println((r.ok() ? style.ok("✓") : style.bad("✗")) + " " + r.summary() + took);
                Render.blocks(r.shown(), "  ").forEach(out::println);
            }
        }
        if (r.verification() != null) {
            verificationLines(r.verification());
        }
        if (r.outcome() == ActionResult.Outcome.applied) {
            r.notes().forEach(n -> out.println("  " + style.warn("note:") + " " + n));
            out.println("  journal: " + r.journalId() + " (undo with `rollback undo " + r.journalId() + "`)");
        }
        out.flush();
        return code;
    }

    /**
     * `verify`'s verdict. "passed" only when every check judged the service and none failed; a
     * report that could not be written ({@code reportProblem}) turns only a success into exit 2,
     * after the results: a verdict about the service is what a pipeline acts on.
     */
    public int verify(VerifyReport r, String service, boolean requireMetrics, String reportProblem) {
        VerifyReport.Conclusion conclusion = r.conclusion();
        ExitCode exit = conclusion.exitCode(requireMetrics);
        String why = r.why();
        String error = verifyError(r, requireMetrics, reportProblem);
        if (exit == ExitCode.OK && reportProblem != null) {
            exit = ExitCode.INVALID_INPUT;
        }
        if (json) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("ok", exit == ExitCode.OK);
            doc.put("service", service);
            doc.put("url", r.url());
            doc.put("durationMs", r.durationMs());
            doc.set("checks", Json.MAPPER.valueToTree(r.checks()));
            if (error != null) {
                doc.put("error", error);
            }
            if (hasMetrics(r)) {
                doc.put("note", Assessment.LAG_NOTE);
            }
            print(doc);
            return exit.code();
        }
        String head = switch (conclusion) {
            case PASSED -> style.ok("✓ verification passed");
            case INCONCLUSIVE -> requireMetrics ? style.bad("✗ verification inconclusive")
                    : style.warn("? verification inconclusive");
            case FAILED -> style.bad("✗ verification failed");
            case UNREACHABLE -> style.bad("✗ verification could not reach the service");
            case NOT_RUN -> style.bad("✗ verification incomplete");
        };
        // Which checks failed, the lines below say.
        out.println(head + " for " + service + (r.url().isEmpty() ? "" : " at " + r.url())
                + (why == null || conclusion == VerifyReport.Conclusion.FAILED ? "" : ": " + why)
                + (conclusion == VerifyReport.Conclusion.INCONCLUSIVE && requireMetrics
                ? " (--require-metrics wants a verdict)" : ""));
        verificationLines(r);
        out.flush();
        return exit.code();
    }

    /** What makes `verify` exit other than 0, in one line: null when it exits 0. */
    public static String verifyError(VerifyReport r, boolean requireMetrics, String reportProblem) {
        String why = r.conclusion().exitCode(requireMetrics) == ExitCode.OK ? null : r.why();
        return why == null ? reportProblem : reportProblem == null ? why : why + "; " + reportProblem;
    }

    private void verificationLines(VerifyReport r) {
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
                    c.verdict() == Verdict.PASS && !verbose && !c.kind().equals("metric") ? "" : c.detail()});
        }
        Render.table(rows, "    ").forEach(out::println);
        if (hasMetrics(r)) {
            out.println("  " + style.dim("note: " + Assessment.LAG_NOTE));
        }
    }

    private static boolean hasMetrics(VerifyReport r) {
        return r.checks().stream().anyMatch(c -> c.kind().equals("metric"));
    }

    public int status(Status s) {
        if (json) {
            return document(true, s, 0);
        }
        var svc = s.service();
        out.println(style.bold(svc.ref().name()) + "  " + svc.ref().project() + "/" + svc.ref().region());
        out.println("  url: " + (svc.uri().isEmpty() ? "-" : svc.uri()));
        if (svc.applying()) {
            out.println("  " + style.warn("reconciling:") + " a change is still being applied (generation "
                    + svc.generation() + ", observed " + svc.observedGeneration() + ")");
        } else if (svc.failed()) {
            // A failed change leaves the observed generation behind: it is over, and what served still serves.
            out.println("  " + style.warn("failed:") + " " + failure(s));
        }
        out.println("  traffic:");
        List<String[]> rows = new ArrayList<>();
        for (var e : svc.trafficStatuses()) {
            String name = e.latest() ? "LATEST (= " + svc.latestReadyRevision() + ")" : e.revision();
            rows.add(new String[] {name, e.percent() + "%", e.tag() == null ? "" : e.tag(),
                    e.tag() == null ? "" : svc.tagUrls().getOrDefault(e.tag(), "")});
        }
        Render.table(rows, "    ").forEach(out::println);
        if (!svc.servesLatest()) {
            out.println("  " + style.warn("pinned:") + " new deployments get 0% until `rollback quick --to-latest`");
        }
        out.println("  revisions (newest first):");
        Map<String, Integer> serving = svc.serving();
        rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "READY", "SERVING", "CREATED", "IMAGE"});
        for (Revision r : s.revisions()) {
            rows.add(new String[] {r.name(), r.ready() ? "yes" : style.bad("no"),
                    serving.getOrDefault(r.name(), 0) + "%", r.created().truncatedTo(ChronoUnit.SECONDS).toString(), r.image() == null ? "" : r.image()});
        }
        Render.table(rows, "    ").forEach(out::println);
        out.flush();
        return 0;
    }

    /**
     * Why the last change did not take effect. A failed deploy is named by its revision, the newest one
     * created, which never became Ready, and by its image; what served before it still serves. Cloud Run
     * says which revision a failure is about only in the message ("Revision 'R' is not ready and cannot
     * serve traffic."): an older revision that never started, left there, does not make a failed
     * traffic change a deploy.
     */
    private static String failure(Status s) {
        var svc = s.service();
        return s.revisions().stream().filter(r -> !r.ready() && r.name().equals(svc.latestCreatedRevision())
                        && !r.name().equals(svc.latestReadyRevision()) && svc.failure().contains("'" + r.name() + "'"))
                .findFirst()
                .map(r -> "the deploy of " + r.name() + (r.image() == null ? "" : " (" + r.image() + ")") + " failed: "
                        + "it never became Ready and serves nothing; what served before still serves. " + svc.failure())
                .orElse("the last change did not take effect: " + svc.failure());
    }

    /** {@code rollback}: the command that rolls back, shown when a trigger fired. */
    /** {@code lead} and {@code next}: what to run when a trigger fired ("roll back with", the command). */
    public int assessment(Assessment a, String service, String lead, String next) {
        int code = a.fired() ? ExitCode.VERIFICATION_FAILED.code() : 0;
        if (json) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("ok", !a.fired());
            doc.put("service", service);
            doc.put("recommendation", a.recommendation());
            if (a.fired()) {
                doc.put("command", next);
            }
            doc.setAll((ObjectNode) Json.MAPPER.valueToTree(a));
            doc.put("note", Assessment.LAG_NOTE);
            print(doc);
            return code;
        }
        String head = a.fired() ? style.bad("✗ trigger fired") : a.severity() == null ? style.warn("? inconclusive")
                : style.ok("✓ no trigger fired");
        out.println(head + " for " + service + ": " + a.recommendation());
        MetricSample m = a.sample();
        out.println("  requests: " + m.requests() + ", 5xx: " + m.errors() + (a.errorRate() == null ? ""
                : " (" + String.format(java.util.Locale.ROOT, "%.1f%%", a.errorRate() * 100) + ")")
                + ", P95: " + (m.p95Ms() == null ? "-" : Durations.format(Duration.ofMillis(Math.round(m.p95Ms()))))
                + ", window " + m.from().truncatedTo(ChronoUnit.SECONDS) + " .. "
                + m.to().truncatedTo(ChronoUnit.SECONDS));
        a.reasons().forEach(r -> out.println("  " + r));
        if (a.fired()) {
            out.println("  " + lead + ": " + style.bold(next));
        }
        out.println("  " + style.dim("note: " + Assessment.LAG_NOTE));
        out.flush();
        return code;
    }

    public int policy(AlertPolicySpec p) {
        if (json) {
            return document(true, p, 0);
        }
        out.println("# Cloud Monitoring alert policy (apply with --apply)");
        out.println("displayName: \"" + p.displayName() + "\"");
        out.println("combiner: OR");
        out.println("conditions:");
        out.println("  - displayName: \"" + p.conditionName() + "\"");
        out.println("    conditionThreshold:");
        out.println("      filter: '" + p.filter() + "'");
        out.println("      denominatorFilter: '" + p.denominatorFilter() + "'");
        out.println("      aggregations / denominatorAggregations: {alignmentPeriod: 60s, perSeriesAligner: ALIGN_RATE, "
                + "crossSeriesReducer: REDUCE_SUM, groupByFields: [resource.label.service_name]}");
        out.println("      comparison: COMPARISON_GT");
        out.println("      thresholdValue: " + p.threshold());
        out.println("      duration: " + p.duration().toSeconds() + "s");
        out.println("notificationChannels: " + p.channels());
        out.println("documentation: \"" + p.documentation() + "\"");
        out.flush();
        return 0;
    }

    /**
     * One line per action, at most 100 columns (111 when an outcome takes two words): the short id,
     * local time, who, what was asked (journal ids in it short), from → to, the outcome, and whether a
     * person or automation acted; with -v, whole records.
     */
    public int history(List<JournalRecord> shown, List<JournalRecord> all) {
        if (json) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("ok", true);
            doc.set("records", Json.MAPPER.valueToTree(shown));
            print(doc);
            return 0;
        }
        if (shown.isEmpty()) {
            out.println("The journal is empty.");
        } else if (verbose) {
            for (JournalRecord r : shown) {
                recordLines(r, all.stream().filter(step -> r.id().equals(step.parent())).toList());
                out.println();
            }
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "TIME", "WHO", "WHAT", "CHANGE", "OUTCOME", "BY"});
            for (JournalRecord r : shown) {
                rows.add(new String[] {shortId(r.id()), LOCAL_SHORT.format(r.time().atZone(clock.getZone())),
                        Render.cut(r.user(), 8), Render.cut(JOURNAL_ID.matcher(r.command()).replaceAll("$1"), 19),
                        Render.cut(change(r, true), 26), outcome(r),
                        r.origin() == null ? "manual" : r.origin().split(" ")[0]});
            }
            Render.table(rows, "").forEach(out::println);
            out.println(style.dim("`rollback history ID` shows a whole record; `rollback undo ID` reverses it"));
        }
        out.flush();
        return 0;
    }

    /** One journal record, whole, with the steps of a composite action (a drill). */
    public int record(JournalRecord r, List<JournalRecord> steps) {
        if (json) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("ok", true);
            doc.set("record", Json.MAPPER.valueToTree(r));
            doc.set("steps", Json.MAPPER.valueToTree(steps));
            print(doc);
            return 0;
        }
        recordLines(r, steps);
        out.flush();
        return 0;
    }

    private void recordLines(JournalRecord r, List<JournalRecord> steps) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"id:", r.id()});
        rows.add(new String[] {"time:", LOCAL.format(r.time().atZone(clock.getZone())) + " (" + r.time() + ")"});
        rows.add(new String[] {"who:", r.user() + (r.origin() == null ? "" : ", by " + r.origin())});
        rows.add(new String[] {"what:", r.command()});
        rows.add(new String[] {"target:", r.target()});
        if (r.from() != null || r.to() != null) {
            rows.add(new String[] {"change:", change(r, false)});
        }
        rows.add(new String[] {"outcome:", outcome(r) + (r.changed() ? " (changed something)" : " (changed nothing)")});
        if (r.detail() != null) {
            rows.add(new String[] {"detail:", r.detail()});
        }
        rows.add(new String[] {"before:", String.valueOf(r.before())});
        rows.add(new String[] {"after:", String.valueOf(r.after())});
        for (JournalRecord step : steps) {
            rows.add(new String[] {"step:", shortId(step.id()) + "  " + step.command() + "  " + change(step, false) + "  "
                    + outcome(step)});
        }
        Render.table(rows, "").forEach(out::println);
    }

    /**
     * The state, and what it leaves out: a step that failed its checks or was interrupted may still be
     * in effect, as the record's outcome says.
     */
    private static String outcome(JournalRecord r) {
        if (r.outcome() == null) {
            return r.state().name();
        }
        return switch (r.outcome()) {
            case checksFailed -> "applied, checks failed";
            case notVerified -> "applied, not verified";
            case inEffect -> "interrupted, in effect";
        };
    }

    /**
     * "00003-ghi → 00002-def", "v1.2.0 → v1.1.0": revisions and images named like the service
     * without that name when {@code brief}.
     */
    private static String change(JournalRecord r, boolean brief) {
        if (r.from() == null && r.to() == null) {
            return "";
        }
        String service = r.target().substring(r.target().lastIndexOf('/') + 1);
        java.util.function.UnaryOperator<String> name = v -> v == null ? "-"
                : brief && v.length() > service.length() + 1 && v.startsWith(service)
                && "-:".indexOf(v.charAt(service.length())) >= 0 ? v.substring(service.length() + 1) : v;
        return name.apply(r.from()) + " → " + name.apply(r.to());
    }

    /** The part of an id after its time: what `history ID` and `undo ID` accept. */
    private static String shortId(String id) {
        return id.substring(id.lastIndexOf('-') + 1);
    }

    /**
     * {@code createdFolder}: the report's directory was made for it (said, never silent).
     * {@code reportProblem}: the report could not be written; a drill that passed then exits 4,
     * not 2, since it changed traffic (and put it back).
     */
    public int drill(Drill.Report r, List<Path> files, boolean createdFolder, String reportProblem) {
        if (r.dryRun()) {
            // The plan and what would follow are on the console already; a drill that did not run has no report.
            return json ? document(true, r, 0) : 0;
        }
        int code = !r.ok() ? ExitCode.VERIFICATION_FAILED.code()
                : reportProblem != null ? ExitCode.API_FAILURE.code() : 0;
        if (json) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("ok", code == 0);
            ObjectNode report = Json.MAPPER.valueToTree(r);
            report.remove("ok"); // the drill's own verdict: a run whose report is missing did not succeed
            doc.setAll(report);
            doc.set("reports", Json.MAPPER.valueToTree(files.stream().map(Path::toString).toList()));
            if (reportProblem != null) {
                doc.put("error", reportProblem);
            }
            print(doc);
            return code;
        }
        out.println((r.ok() ? style.ok("✓ drill passed") : style.bad("✗ drill failed")) + " for " + r.service());
        List<String[]> figures = new ArrayList<>();
        DrillReports.summary(r).forEach(line -> figures.add(new String[] {line[0] + ":", line[1]}));
        Render.table(figures, "  ").forEach(out::println);
        List<String[]> rows = new ArrayList<>();
        for (Drill.Step step : r.steps()) {
            rows.add(new String[] {step.ok() ? style.ok("✓") : style.bad("✗"), step.name(),
                    Durations.format(Duration.ofMillis(step.durationMs())), step.detail()});
        }
        Render.table(rows, "    ").forEach(out::println);
        files.forEach(f -> out.println("  report: " + f));
        if (createdFolder && !files.isEmpty()) {
            out.println("  " + style.dim("(made the directory " + files.get(0).getParent() + " for the report)"));
        }
        out.flush();
        return code;
    }

    /** Any result record as {@code {"ok": ..., <its fields>}}. */
    public int document(boolean ok, Object result, int code) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("ok", ok);
        doc.setAll((ObjectNode) Json.MAPPER.valueToTree(result));
        print(doc);
        return code;
    }

    public void error(String message) {
        if (json) {
            ObjectNode doc = Json.MAPPER.createObjectNode();
            doc.put("ok", false);
            doc.put("error", message);
            print(doc);
        }
    }

    void print(Object doc) {
        out.println(Json.pretty(doc));
        out.flush();
    }
}

package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.adapter.files.DrillReports;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.drill.Drill;
import dev.virtuoso.rollback.model.ExitCode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A drill's verdict, its figures, its steps and the reports written: exit 3 when it failed. */
public final class DrillView {
    private DrillView() {
    }

    /**
     * {@code createdFolder}: the report's directory was made for it (said, never silent).
     * {@code reportProblem}: the report could not be written; a drill that passed then exits 4,
     * not 2, since it changed traffic (and put it back).
     */
    public static int print(Output o, Drill.Report r, List<Path> files, boolean createdFolder, String reportProblem) {
        if (r.dryRun()) {
            // The plan and what would follow are on the console already; a drill that did not run has no report.
            return o.json() ? o.document(true, r, 0) : 0;
        }
        int code = !r.ok() ? ExitCode.VERIFICATION_FAILED.code()
                : reportProblem != null ? ExitCode.API_FAILURE.code() : 0;
        if (o.json()) {
            // "ok" is not the drill's own verdict: a run whose report is missing did not succeed.
            Output.Document doc = new Output.Document(code == 0).putAll(r, "ok")
                    .put("reports", files.stream().map(Path::toString).toList());
            if (reportProblem != null) {
                doc.put("error", reportProblem);
            }
            return o.print(doc, code);
        }
        PrintWriter out = o.out();
        Style style = o.style();
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
}

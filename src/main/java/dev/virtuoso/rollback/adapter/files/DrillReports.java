package dev.virtuoso.rollback.adapter.files;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.drill.Drill;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The drill report to keep: Markdown for people, JSON for trend tooling. */
public final class DrillReports {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private DrillReports() {
    }

    /** Checked before the drill changes anything: {@code dir}, or the directory that is to hold it, exists. */
    public static void checkWritable(Path dir) {
        LocalFiles.checkWritable(dir, true, "drill report directory");
    }

    /**
     * Writes {@code drill-<UTC stamp>.md} and {@code .json} into {@code dir}, made when missing
     * (its parent never is), both through {@code secrets} (a step's detail may hold an error's
     * words); returns both paths.
     */
    public static List<Path> write(Drill.Report report, Path dir, Secret.Registry secrets) {
        String base = "drill-" + STAMP.format(report.started());
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw LocalFiles.problem("drill report to", dir, "it exists and is not a directory");
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
            }
            Path md = dir.resolve(base + ".md");
            Path json = dir.resolve(base + ".json");
            Files.writeString(md, secrets.redact(markdown(report)));
            String text = Json.mapper().writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
            Files.writeString(json, secrets.redact(text) + "\n");
            return List.of(md, json);
        } catch (IOException e) {
            throw LocalFiles.problem("drill report to", dir, e);
        }
    }

    static String markdown(Drill.Report r) {
        StringBuilder b = new StringBuilder();
        b.append("# Rollback drill — ").append(r.service()).append("\n\n");
        b.append("**").append(r.ok() ? "PASSED" : "FAILED").append("**\n\n");
        summary(r).forEach(line -> b.append("- ").append(line[0]).append(": ").append(line[1]).append("\n"));
        b.append("\n| step | result | took | detail |\n|---|---|---|---|\n");
        for (Drill.Step s : r.steps()) {
            b.append("| ").append(s.name()).append(" | ").append(s.ok() ? "ok" : "FAILED").append(" | ")
                    .append(Durations.format(Duration.ofMillis(s.durationMs()))).append(" | ")
                    .append(s.detail().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    /**
     * The drill's figures as (label, value) lines: the console and the Markdown report print these
     * same lines, so they can never disagree.
     */
    public static List<String[]> summary(Drill.Report r) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"ran by", r.ranBy() + ", " + r.toolVersion() + (r.runbook() == null ? ""
                : ", runbook " + r.runbook())});
        lines.add(new String[] {"started", r.started() + " (UTC); " + (r.journalId() == null
                ? "no journal kept (an in-process sandbox, gone when the drill ended)" : "journal " + r.journalId())});
        if (r.incidentRecord() != null) {
            lines.add(new String[] {"incident record", r.incidentRecord() + " (the quick rollback's: charts, error "
                    + "logs, timeline)"});
        }
        lines.add(new String[] {"revisions", "stable " + r.stableRevision() + ", bad " + r.badRevision()});
        if (r.createdRevisions() != null && !r.createdRevisions().isEmpty()) {
            lines.add(new String[] {"revisions created", String.join(", ", r.createdRevisions())
                    + " (kept: Cloud Run keeps old revisions; they serve no traffic)"});
        }
        lines.add(new String[] {"timeouts", "detect " + ms(r.detectTimeoutMs()) + ", recover " + ms(r.recoverTimeoutMs())});
        lines.add(new String[] {"time to detect", ms(r.timeToDetectMs()) + " (until the checks saw the bad revision fail; "
                + "an alert would add Monitoring's lag and its duration)"});
        lines.add(new String[] {"checks that saw it", names(r.failedChecks())});
        lines.add(new String[] {"time to recover", ms(r.timeToRecoverMs()) + " (from the quick rollback to every check "
                + "passing)"});
        lines.add(new String[] {"checks passing again", names(r.passedChecks())});
        lines.add(new String[] {"deadline", r.severity() + " at " + Math.round(r.failedCheckRatio() * 100)
                + "% of checks failing: " + Durations.format(Duration.ofMillis(r.deadlineMs())) + ", "
                + (r.withinDeadline() ? "met" : "MISSED")});
        return lines;
    }

    private static String names(List<String> checks) {
        return checks.isEmpty() ? "none" : String.join(", ", checks);
    }

    /** A duration in milliseconds for people; null means the step never got there. */
    public static String ms(Long ms) {
        return ms == null ? "not reached" : Durations.format(Duration.ofMillis(ms));
    }
}

package dev.virtuoso.rollback.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.virtuoso.rollback.runbook.Drill;
import dev.virtuoso.rollback.runbook.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The drill report to keep: Markdown for people, JSON for trend tooling. */
public final class DrillReports {
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private DrillReports() {
    }

    /** Checked before the drill changes anything. */
    public static void checkWritable(Path dir) {
        LocalFiles.checkWritable(dir, true, "drill report directory");
    }

    /** Writes {@code drill-<UTC stamp>.md} and {@code .json} into {@code dir}; returns both paths. */
    public static List<Path> write(Drill.Report report, Path dir) {
        String base = "drill-" + STAMP.format(report.started());
        try {
            Files.createDirectories(dir);
            Path md = dir.resolve(base + ".md");
            Path json = dir.resolve(base + ".json");
            Files.writeString(md, markdown(report));
            Files.writeString(json, JSON.writeValueAsString(report) + "\n");
            return List.of(md, json);
        } catch (IOException e) {
            throw LocalFiles.problem("drill report to", dir, e);
        }
    }

    static String markdown(Drill.Report r) {
        StringBuilder b = new StringBuilder();
        b.append("# Rollback drill — ").append(r.service()).append("\n\n");
        b.append("- Started: ").append(r.started()).append("\n");
        b.append("- Result: **").append(r.ok() ? "PASSED" : "FAILED").append("**\n");
        b.append("- Stable revision: `").append(r.stableRevision()).append("`\n");
        b.append("- Bad revision: `").append(r.badRevision()).append("`\n");
        b.append("- Time to detect: ").append(ms(r.timeToDetectMs())).append("\n");
        b.append("- Time to recover: ").append(ms(r.timeToRecoverMs())).append("\n");
        b.append("- Severity (").append(Math.round(r.failedCheckRatio() * 100)).append("% of checks failing): ")
                .append(r.severity()).append(", deadline ").append(Durations.format(Duration.ofMillis(r.deadlineMs())))
                .append(" — ").append(r.withinDeadline() ? "recovered within it" : "NOT recovered within it").append("\n\n");
        b.append("| step | result | took | detail |\n|---|---|---|---|\n");
        for (Drill.Step s : r.steps()) {
            b.append("| ").append(s.name()).append(" | ").append(s.ok() ? "ok" : "FAILED").append(" | ")
                    .append(Durations.format(Duration.ofMillis(s.durationMs()))).append(" | ")
                    .append(s.detail().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    /** A duration in milliseconds for people; null means the step never got there. */
    public static String ms(Long ms) {
        return ms == null ? "not reached" : Durations.format(Duration.ofMillis(ms));
    }
}

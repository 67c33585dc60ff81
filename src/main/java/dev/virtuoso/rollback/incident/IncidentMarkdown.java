package dev.virtuoso.rollback.incident;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.RevisionSeries;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.verification.Assessment;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** incident.md: what happened, when, what the tool did, and what is left to people. */
final class IncidentMarkdown {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private IncidentMarkdown() {
    }

    /** Everything the record knows so far; {@code ended}: the step is over (else it is still being applied). */
    record Facts(JournalRecord first, Change.About about, ServiceRef service, Instant from, List<JournalRecord> states,
                 Assessment before, Assessment after, Runbook.Triggers triggers, ErrorLog errors,
                 List<RevisionSeries> series, boolean ended, List<String> problems) {
    }

    /** A line of the timeline. */
    record Event(Instant time, String event, String detail) {
    }

    static String render(Facts f) {
        StringBuilder md = new StringBuilder();
        JournalRecord last = f.states().get(f.states().size() - 1);
        md.append("# Incident record: ").append(f.about().summary()).append("\n\n");
        md.append("- **Reason:** ").append(f.first().reason() == null ? "(none given; `--reason` records why)"
                : f.first().reason()).append('\n');
        md.append("- **Command:** `rollback ").append(f.first().command()).append("` by ").append(f.first().user())
                .append(f.first().origin() == null ? "" : " (automated: " + f.first().origin() + ")").append('\n');
        md.append("- **Target:** ").append(f.about().where()).append('\n');
        if (f.about().from() != null || f.about().to() != null) {
            md.append("- **Change:** ").append(f.about().from()).append(" → ").append(f.about().to()).append('\n');
        }
        md.append("- **Journal:** ").append(f.first().id()).append(" (`rollback history ").append(f.first().id())
                .append("`), now ").append(last.state()).append(f.ended() ? "" : " (still being applied when written)")
                .append("\n\n");

        List<Event> timeline = timeline(f);
        md.append("## Timeline (UTC)\n\n| time | event | detail |\n|---|---|---|\n");
        for (Event e : timeline) {
            md.append("| ").append(TIME.format(e.time())).append(" | ").append(e.event()).append(" | ")
                    .append(cell(e.detail())).append(" |\n");
        }
        md.append('\n');

        md.append("## Decision matrix\n\n").append(deadline(f, timeline)).append("\n\n");

        md.append("## Checks before\n\n");
        checks(md, f.before(), f.triggers(), "no metrics were read before the change");
        md.append("\n## Checks after\n\n");
        Optional<JournalRecord> verification = f.states().stream()
                .filter(r -> r.detail() != null && r.detail().startsWith("verification:")).reduce((a, b) -> b);
        verification.ifPresent(r -> md.append("- ").append(r.state() == JournalRecord.State.failed ? "✗ " : "✓ ")
                .append(r.detail()).append('\n'));
        if (verification.isEmpty()) {
            md.append("- health and functional checks: not run").append(f.ended() ? "" : " yet").append('\n');
        }
        checks(md, f.after(), f.triggers(), f.ended() ? "no metrics were read after the change" : "not read yet");
        md.append("- note: ").append(Assessment.LAG_NOTE).append('\n');

        md.append("\n## Files\n\n");
        md.append("- [metrics.svg](metrics.svg) and [metrics.png](metrics.png): error rate and P95 per revision from ")
                .append(TIME.format(f.from())).append(", the triggers dashed, the change marked")
                .append(f.series() == null ? " (not drawn: see below)" : "").append("\n");
        ErrorLog log = f.errors();
        md.append("- [errors.jsonl](errors.jsonl): ").append(log == null ? "not exported (see below)"
                : log.entries().size() + " log entries of severity ERROR or worse, newest first, one LogEntry in its "
                + "JSON form a line" + (log.truncated() ? " (the newest " + log.limit() + " only: there were more)" : ""))
                .append("\n\n![metrics](metrics.png)\n\n");
        if (!f.problems().isEmpty()) {
            md.append("Not recorded:\n\n");
            f.problems().forEach(p -> md.append("- ").append(p).append('\n'));
            md.append('\n');
        }
        checklist(md, f, last, verification.isPresent() && verification.get().state() == JournalRecord.State.verified);
        return md.toString();
    }

    private static void checks(StringBuilder md, Assessment a, Runbook.Triggers triggers, String none) {
        if (a == null) {
            md.append("- ").append(none).append('\n');
            return;
        }
        for (CheckResult c : a.checks(triggers)) {
            md.append("- ").append(c.verdict()).append(' ').append(c.name()).append(": ").append(c.detail()).append('\n');
        }
    }

    /** Detected (the metrics' first minute over a trigger in the run up to the change), then each journal state. */
    static List<Event> timeline(Facts f) {
        List<Event> out = new ArrayList<>();
        detected(f).ifPresent(out::add);
        for (JournalRecord r : f.states()) {
            String event = switch (r.state()) {
                case planned -> "decided";
                case applied -> "applied";
                case verified -> "verified";
                case failed -> "failed";
                case interrupted -> "interrupted";
            };
            String detail = r.state() == JournalRecord.State.planned
                    ? r.user() + (r.origin() == null ? " confirmed: " : " (" + r.origin() + "): ") + r.detail()
                    : r.detail();
            out.add(new Event(r.time(), event, detail == null ? "" : detail));
        }
        return out;
    }

    /**
     * When the error rate went over the trigger: the start of the run of minutes over it that lasts
     * until the change. A run that starts with the window says "at least since".
     */
    static Optional<Event> detected(Facts f) {
        if (f.series() == null || f.triggers() == null) {
            return Optional.empty();
        }
        Map<Instant, long[]> minutes = new TreeMap<>();
        for (RevisionSeries s : f.series()) {
            for (RevisionSeries.Minute m : s.minutes()) {
                if (!m.end().isAfter(f.first().time())) {
                    long[] n = minutes.computeIfAbsent(m.end(), e -> new long[2]);
                    n[0] += m.requests();
                    n[1] += m.errors();
                }
            }
        }
        Instant start = null;
        Instant firstMinute = null;
        for (Map.Entry<Instant, long[]> e : minutes.entrySet()) {
            if (firstMinute == null) {
                firstMinute = e.getKey();
            }
            long[] n = e.getValue();
            boolean over = n[0] > 0 && (double) n[1] / n[0] > f.triggers().errorRate();
            start = over ? (start == null ? e.getKey().minus(Duration.ofMinutes(1)) : start) : null;
        }
        if (start == null) {
            return Optional.empty();
        }
        boolean fromWindow = start.equals(firstMinute.minus(Duration.ofMinutes(1)));
        String by = f.first().origin() == null ? "" : "; acted on by " + f.first().origin()
                + (f.first().reason() == null ? "" : " (" + f.first().reason() + ")");
        return Optional.of(new Event(start, "detected", "error rate over the " + Assessment.percent(
                f.triggers().errorRate()) + " trigger " + (fromWindow ? "since at least this minute (the start of "
                + "the window)" : "from this minute on") + by));
    }

    /** The decision-matrix row of the assessment at the start, and whether the change met its deadline. */
    static String deadline(Facts f, List<Event> timeline) {
        Assessment a = f.before();
        if (a == null || a.severity() == null) {
            return "No row: " + (a == null ? "the metrics before the change could not be read"
                    : "too little traffic to judge (" + String.join("; ", a.reasons()) + ")") + ".";
        }
        Duration within = Duration.ofMillis(a.withinMs());
        Optional<Instant> applied = f.states().stream().filter(r -> r.state() != JournalRecord.State.planned
                && r.state() != JournalRecord.State.interrupted).map(JournalRecord::time).findFirst();
        Optional<Event> detected = timeline.stream().filter(e -> e.event().equals("detected")).findFirst();
        Instant since = detected.map(Event::time).orElse(f.first().time());
        String row = "**" + a.recommendation() + "** (" + String.join("; ", a.reasons()) + ")";
        if (applied.isEmpty()) {
            return row + ": not applied" + (f.ended() ? "" : " yet") + ".";
        }
        Duration took = Duration.between(since, applied.get());
        boolean met = took.compareTo(within) <= 0;
        return row + ": applied " + Durations.format(took) + " after it was " + (detected.isPresent() ? "detected"
                : "decided") + " — deadline **" + (met ? "met" : "missed") + "**"
                + (detected.isPresent() && detected.get().detail().contains("at least")
                ? " (the trigger held already at the start of the window)" : "") + ".";
    }

    private static void checklist(StringBuilder md, Facts f, JournalRecord last, boolean verified) {
        boolean logs = f.errors() != null;
        md.append("## Post-rollback checklist (the written runbook's)\n\n");
        md.append("Before the rollback:\n\n");
        item(md, f.first().reason() != null, "Document the specific problem", f.first().reason() == null
                ? "no --reason was given" : "the reason above");
        item(md, f.series() != null, "Take screenshot of error metrics", "metrics.png, metrics.svg");
        item(md, logs, "Export current logs for analysis", "errors.jsonl");
        md.append("\nImmediate (within 1 hour):\n\n");
        item(md, f.after() != null, "Monitor error rates for 30 minutes", "error rate before and after the change "
                + "above; keep watching: `rollback watch --for 30m`");
        item(md, false, "Check user reports/feedback", null);
        item(md, verified, "Verify all endpoints responding", verified ? "the checks after the change passed"
                : "the checks after the change did not pass (" + last.state() + ")");
        item(md, false, "Send rollback confirmation to stakeholders", null);
        item(md, false, "Update status page", null);
        item(md, false, "Post in the service's Slack channel", null);
        item(md, logs, "Export logs from failed deployment", "errors.jsonl");
        item(md, true, "Journal what was done", "journal " + f.first().id() + "; `rollback undo " + f.first().id()
                + "` puts back what was there before");
        item(md, false, "Create incident ticket", null);
        item(md, false, "Assign investigation owner", null);
        md.append("\nShort-term (within 24 hours):\n\n");
        for (String s : List.of("Review deployment logs", "Analyze error patterns", "Check for configuration changes",
                "Create hotfix branch, implement and test the fix in staging", "Document lessons learned",
                "Update rollback procedures and runbooks if needed")) {
            item(md, false, s, null);
        }
        md.append("\nLong-term (within 1 week):\n\n");
        for (String s : List.of("Conduct blameless post-mortem", "Add tests for the failure scenario",
                "Improve monitoring coverage", "Schedule re-deployment and notify stakeholders")) {
            item(md, false, s, null);
        }
    }

    private static void item(StringBuilder md, boolean done, String what, String how) {
        md.append("- [").append(done ? 'x' : ' ').append("] ").append(what)
                .append(done && how != null ? " — " + how : !done && how != null ? " (" + how + ")" : "").append('\n');
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** incident.md: what happened, when, what the tool did, and what is left to people. */
final class IncidentMarkdown {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private IncidentMarkdown() {
    }

    /**
     * Everything the record knows so far; {@code ended}: the step is over (else it is still being applied);
     * {@code afterAt}: when {@code after} was read (null: the end of its sample's window, which is when it was read);
     * {@code drawn} and {@code exported}: metrics.png/svg and errors.jsonl are on disk (read is not written);
     * {@code journaled}: the journal is kept (an in-process sandbox's goes with it).
     */
    record Facts(JournalRecord first, Change.About about, ServiceRef service, Instant from, List<JournalRecord> states,
                 Assessment before, Assessment after, Runbook.Triggers triggers, ErrorLog errors,
                 List<RevisionSeries> series, boolean ended, List<String> problems, Instant afterAt, boolean drawn,
                 boolean exported, boolean journaled) {

        /** When the change took effect: its first applied (or verified) state; empty when it never did. */
        Optional<Instant> appliedAt() {
            return states.stream().filter(r -> r.state() == JournalRecord.State.applied
                    || r.state() == JournalRecord.State.verified).map(JournalRecord::time).findFirst();
        }

        /** When the metrics after the change were read; empty when they were not. */
        Optional<Instant> afterReadAt() {
            return after == null ? Optional.empty() : Optional.of(afterAt != null ? afterAt : after.sample().to());
        }
    }

    /** How long a record must cover after the change before the runbook's "monitor for 30 minutes" is done. */
    static final Duration MONITORED = Duration.ofMinutes(30);

    /** The files of the record written from {@code f}, by name: incident.md and incident.json. */
    static Map<String, String> files(Facts f) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("incident.md", render(f));
        out.put("incident.json", IncidentJson.render(f));
        return out;
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
        md.append(f.first().parent() == null ? "- **Command:** `rollback " + f.first().command() + "`"
                        : "- **Step:** " + f.first().command() + ", of a drill").append(" by ").append(f.first().user())
                .append(f.first().origin() == null ? "" : " (automated: " + f.first().origin() + ")").append('\n');
        md.append("- **Target:** ").append(f.about().where()).append('\n');
        if (f.about().from() != null || f.about().to() != null) {
            md.append("- **Change:** ").append(f.about().from()).append(" → ").append(f.about().to()).append('\n');
        }
        md.append("- **Journal:** ").append(f.first().id()).append(f.journaled() ? " (`rollback history "
                + f.first().id() + "`)" : " (not kept: an in-process sandbox's, gone with it)").append(", now ")
                .append(last.state()).append(f.ended() ? "" : " (still being applied when written)")
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
        md.append("- note: ").append(afterNote(f)).append('\n');
        checks(md, f.after(), f.triggers(), f.ended() ? "no metrics were read after the change" : "not read yet");

        md.append("\n## Files\n\n");
        md.append(f.drawn() ? "- [metrics.svg](metrics.svg) and [metrics.png](metrics.png): error rate and P95 per "
                + "revision from " + TIME.format(f.from()) + ", the triggers dashed, the change marked\n"
                : "- metrics.svg and metrics.png: not drawn (see below)\n");
        ErrorLog log = f.exported() ? f.errors() : null;
        md.append(log == null ? "- errors.jsonl: not exported (see below)" : "- [errors.jsonl](errors.jsonl): "
                + log.entries().size() + " log entries of severity ERROR or worse, newest first, one LogEntry in its "
                + "JSON form a line" + (log.truncated() ? " (the newest " + log.limit() + " only: there were more)" : ""))
                .append(f.drawn() ? "\n\n![metrics](metrics.png)\n\n" : "\n\n");
        if (!f.problems().isEmpty()) {
            md.append("Not recorded:\n\n");
            f.problems().forEach(p -> md.append("- ").append(p).append('\n'));
            md.append('\n');
        }
        checklist(md, f);
        return md.toString();
    }

    /**
     * What the read after the change can show: within the lag of Cloud Monitoring, the minutes since the
     * change are not counted yet, so the read is not the recovery.
     */
    static String afterNote(Facts f) {
        Optional<Instant> read = f.afterReadAt();
        Optional<Instant> applied = f.appliedAt();
        if (read.isPresent() && applied.isPresent()) {
            Duration after = Duration.between(applied.get(), read.get());
            if (after.compareTo(Assessment.LAG) < 0) {
                return "read " + Math.max(0, after.toSeconds()) + " s after the change; " + Assessment.LAG_NOTE
                        + ", so this may still show the broken revision's traffic — `rollback assess` in a few "
                        + "minutes confirms";
            }
        }
        return Assessment.LAG_NOTE;
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
     * When the metrics went over a trigger (the error rate or the P95): the start of the run of minutes
     * over one that lasts until the change. A run that starts with the window says "at least since".
     * Revisions are summed for the error rate; the P95 of a minute is its slowest revision's.
     */
    static Optional<Event> detected(Facts f) {
        if (f.series() == null || f.triggers() == null) {
            return Optional.empty();
        }
        Map<Instant, double[]> minutes = new TreeMap<>();
        for (RevisionSeries s : f.series()) {
            for (RevisionSeries.Minute m : s.minutes()) {
                if (!m.end().isAfter(f.first().time())) {
                    double[] n = minutes.computeIfAbsent(m.end(), e -> new double[] {0, 0, -1});
                    n[0] += m.requests();
                    n[1] += m.errors();
                    n[2] = m.p95Ms() == null ? n[2] : Math.max(n[2], m.p95Ms());
                }
            }
        }
        double p95Trigger = f.triggers().p95Latency().toMillis();
        Instant start = null;
        Instant firstMinute = null;
        boolean rateOver = false;
        boolean p95Over = false;
        for (Map.Entry<Instant, double[]> e : minutes.entrySet()) {
            if (firstMinute == null) {
                firstMinute = e.getKey();
            }
            double[] n = e.getValue();
            boolean rate = n[0] > 0 && n[1] / n[0] > f.triggers().errorRate();
            boolean p95 = n[2] > p95Trigger;
            if (!rate && !p95) {
                start = null;
                rateOver = false;
                p95Over = false;
                continue;
            }
            start = start == null ? e.getKey().minus(Duration.ofMinutes(1)) : start;
            rateOver |= rate;
            p95Over |= p95;
        }
        if (start == null) {
            return Optional.empty();
        }
        boolean fromWindow = start.equals(firstMinute.minus(Duration.ofMinutes(1)));
        List<String> over = new ArrayList<>();
        if (rateOver) {
            over.add("error rate over the " + Assessment.percent(f.triggers().errorRate()) + " trigger");
        }
        if (p95Over) {
            over.add("P95 over the " + Durations.format(f.triggers().p95Latency()) + " trigger");
        }
        String by = f.first().origin() == null ? "" : "; acted on by " + f.first().origin()
                + (f.first().reason() == null ? "" : " (" + f.first().reason() + ")");
        return Optional.of(new Event(start, "detected", String.join(" and ", over) + " " + (fromWindow
                ? "since at least this minute (the start of the window)" : "from this minute on") + by));
    }

    /**
     * The decision-matrix row of the assessment at the start and what became of the change: {@code row}
     * null when there is none ({@code noRow} says why); {@code measuredFrom} "detected" or "decided";
     * {@code applied} or {@code failed} when the change took effect or failed without taking effect, and
     * {@code took} from then; {@code deadline} "met", "missed", or null while it was not applied.
     */
    record Decision(String row, List<String> reasons, Duration within, String noRow, String measuredFrom,
                    Instant applied, Instant failed, boolean mayHaveChanged, Duration took, String deadline,
                    boolean heldAtWindowStart) {
    }

    static Decision decision(Facts f, List<Event> timeline) {
        Assessment a = f.before();
        if (a == null || a.severity() == null) {
            return new Decision(null, a == null ? List.of() : a.reasons(), null, a == null
                    ? "the metrics before the change could not be read"
                    : "too little traffic to judge (" + String.join("; ", a.reasons()) + ")", null, null, null, false,
                    null, null, false);
        }
        Duration within = Duration.ofMillis(a.withinMs());
        Optional<Event> detected = timeline.stream().filter(e -> e.event().equals("detected")).findFirst();
        Instant since = detected.map(Event::time).orElse(f.first().time());
        String from = detected.isPresent() ? "detected" : "decided";
        boolean held = detected.isPresent() && detected.get().detail().contains("at least");
        Optional<Instant> applied = f.appliedAt();
        if (applied.isPresent()) {
            Duration took = Duration.between(since, applied.get());
            // Over the trigger already when the charts begin: when it started is not known, so neither is
            // whether the deadline was met (a longer --since may show it).
            return new Decision(a.recommendation(), a.reasons(), within, null, from, applied.get(), null, false, took,
                    held ? null : took.compareTo(within) <= 0 ? "met" : "missed", held);
        }
        Optional<JournalRecord> failed = f.states().stream().filter(r -> r.state() == JournalRecord.State.failed)
                .findFirst();
        return new Decision(a.recommendation(), a.reasons(), within, null, from, null,
                failed.map(JournalRecord::time).orElse(null), failed.map(JournalRecord::changed).orElse(false),
                failed.map(r -> Duration.between(since, r.time())).orElse(null), null, held);
    }

    /** The decision-matrix row of the assessment at the start, and whether the change met its deadline. */
    static String deadline(Facts f, List<Event> timeline) {
        Decision d = decision(f, timeline);
        if (d.row() == null) {
            return "No row: " + d.noRow() + ".";
        }
        String row = "**" + d.row() + "** (" + String.join("; ", d.reasons()) + ")";
        if (d.applied() != null && d.heldAtWindowStart()) {
            return row + ": applied at least " + Durations.format(d.took()) + " after it was detected — deadline "
                    + "unknown: the trigger held already at the start of the charts (a longer --since may show when "
                    + "it began).";
        }
        if (d.applied() != null) {
            return row + ": applied " + Durations.format(d.took()) + " after it was " + d.measuredFrom()
                    + " — deadline **" + d.deadline() + "**.";
        }
        if (d.failed() != null) {
            return row + ": failed " + Durations.format(d.took()) + " after it was " + d.measuredFrom()
                    + (d.mayHaveChanged() ? "; not confirmed applied (it was sent before the error: `rollback "
                    + "history " + f.first().id() + "` shows what is in effect)" : "; not applied") + ".";
        }
        return row + ": not applied" + (f.ended() ? "" : " yet") + ".";
    }

    /** An item of the written runbook's post-rollback checklist; {@code how}: how it was done, or how to do it. */
    record Item(String section, String what, boolean done, String how) {
    }

    static List<Item> checklist(Facts f) {
        JournalRecord last = f.states().get(f.states().size() - 1);
        boolean verified = f.states().stream().filter(r -> r.detail() != null && r.detail().startsWith("verification:"))
                .reduce((a, b) -> b).map(r -> r.state() == JournalRecord.State.verified).orElse(false);
        boolean logs = f.exported();
        Optional<Instant> applied = f.appliedAt();
        Optional<Instant> read = f.afterReadAt();
        boolean monitored = applied.isPresent() && read.isPresent()
                && !read.get().isBefore(applied.get().plus(MONITORED));
        List<Item> out = new ArrayList<>();
        String before = "Before the rollback";
        out.add(new Item(before, "Document the specific problem", f.first().reason() != null,
                f.first().reason() == null ? "no --reason was given" : "the reason above"));
        out.add(new Item(before, "Take screenshot of error metrics", f.drawn(), "metrics.png, metrics.svg"));
        out.add(new Item(before, "Export current logs for analysis", logs, "errors.jsonl"));
        String now = "Immediate (within 1 hour)";
        out.add(new Item(now, "Monitor error rates for 30 minutes", monitored, monitored ? "the metrics after the "
                + "change were read " + Duration.between(applied.get(), read.get()).toMinutes() + " min after it"
                : "`rollback watch --for 30m` keeps watching them"));
        out.add(new Item(now, "Check user reports/feedback", false, null));
        out.add(new Item(now, "Verify all endpoints responding", verified, verified
                ? "the checks after the change passed" : "the checks after the change did not pass (" + last.state() + ")"));
        out.add(new Item(now, "Send rollback confirmation to stakeholders", false, null));
        out.add(new Item(now, "Update status page", false, null));
        out.add(new Item(now, "Post in the service's Slack channel", false, null));
        out.add(new Item(now, "Export logs from failed deployment", logs, "errors.jsonl"));
        out.add(new Item(now, "Journal what was done", f.journaled(), f.journaled() ? "journal " + f.first().id()
                + (last.changed() ? "; `rollback undo " + f.first().id() + "` puts back what was there before"
                : "; nothing was changed") : "an in-process sandbox keeps no journal"));
        out.add(new Item(now, "Create incident ticket", false, null));
        out.add(new Item(now, "Assign investigation owner", false, null));
        for (String s : List.of("Review deployment logs", "Analyze error patterns", "Check for configuration changes",
                "Create hotfix branch, implement and test the fix in staging", "Document lessons learned",
                "Update rollback procedures and runbooks if needed")) {
            out.add(new Item("Short-term (within 24 hours)", s, false, null));
        }
        for (String s : List.of("Conduct blameless post-mortem", "Add tests for the failure scenario",
                "Improve monitoring coverage", "Schedule re-deployment and notify stakeholders")) {
            out.add(new Item("Long-term (within 1 week)", s, false, null));
        }
        return out;
    }

    private static void checklist(StringBuilder md, Facts f) {
        md.append("## Post-rollback checklist (the written runbook's)\n");
        String section = null;
        for (Item i : checklist(f)) {
            if (!i.section().equals(section)) {
                section = i.section();
                md.append('\n').append(section).append(":\n\n");
            }
            md.append("- [").append(i.done() ? 'x' : ' ').append("] ").append(i.what())
                    .append(i.how() == null ? "" : i.done() ? " — " + i.how() : " (" + i.how() + ")").append('\n');
        }
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}

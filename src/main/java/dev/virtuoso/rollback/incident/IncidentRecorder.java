package dev.virtuoso.rollback.incident;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.IncidentCapture;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.MetricChart;
import dev.virtuoso.rollback.model.RevisionSeries;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.port.ErrorLogs;
import dev.virtuoso.rollback.port.IncidentRecords;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.MetricHistory;
import dev.virtuoso.rollback.port.Metrics;
import dev.virtuoso.rollback.verification.Assessment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the incident record of each step a pipeline sends, in {@code incidents/<journal id>/}: the
 * metrics and error logs of the window before the change, gathered on a thread of their own while
 * the change is applied, then once more when it has ended (so the recovery shows), and incident.md
 * with the timeline the journal saw. The change never waits for it: after the step, at most
 * {@code budget} more is spent, and whatever is missing then (or failed) is a warning.
 */
public final class IncidentRecorder implements IncidentCapture {
    /** How many error log entries a record keeps at most; incident.md says when there were more. */
    public static final int MOST_LOG_ENTRIES = 1000;

    /** Where the numbers come from. */
    public record Sources(Metrics metrics, MetricHistory history, ErrorLogs logs) {
    }

    private final IncidentRecords files;
    private final Sources sources;
    private final Runbook.Triggers triggers;
    private final List<Runbook.DecisionRow> matrix;
    private final Clock clock;
    private final Duration since;
    private final Duration budget;
    private final Supplier<Optional<ServiceRef>> target;
    private final Consumer<String> warn;
    /** Every journal state of the steps being recorded, as appended: the timeline. */
    private final Map<String, List<JournalRecord>> states = new ConcurrentHashMap<>();

    public IncidentRecorder(IncidentRecords files, Sources sources, Runbook.Triggers triggers,
                            List<Runbook.DecisionRow> matrix, Clock clock, Duration since, Duration budget,
                            Supplier<Optional<ServiceRef>> target, Consumer<String> warn) {
        this.files = files;
        this.sources = sources;
        this.triggers = triggers;
        this.matrix = matrix;
        this.clock = clock;
        this.since = since;
        this.budget = budget;
        this.target = target;
        this.warn = warn;
    }

    /** {@code journal}, each state appended to it also noted for the timeline of its step's record. */
    public Journal observing(Journal journal) {
        return new Journal() {
            @Override
            public void append(JournalRecord record) {
                journal.append(record);
                states.computeIfAbsent(record.id(), id -> new CopyOnWriteArrayList<>()).add(record);
            }

            @Override
            public void checkWritable() {
                journal.checkWritable();
            }

            @Override
            public List<JournalRecord> history() {
                return journal.history();
            }
        };
    }

    @Override
    public Recording start(JournalRecord record, Change.About about) {
        Optional<ServiceRef> service = about.service().map(ServiceState::ref);
        if (service.isEmpty()) {
            try {
                service = target.get();
            } catch (RuntimeException e) {
                service = Optional.empty();
            }
        }
        states.computeIfAbsent(record.id(), id -> new CopyOnWriteArrayList<>(List.of(record)));
        Capture capture = new Capture(record, about, service.orElse(null));
        capture.first = daemon("incident-" + record.id(), capture::gather);
        return capture;
    }

    private static Thread daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private final class Capture implements Recording {
        private final JournalRecord record;
        private final Change.About about;
        private final ServiceRef service;
        private final Instant from;
        private final List<String> problems = new CopyOnWriteArrayList<>();
        private volatile Thread first;
        private volatile Assessment before;
        private volatile Assessment after;
        private volatile ErrorLog errors;
        private volatile List<RevisionSeries> series;
        private volatile boolean ended;
        private volatile boolean charted;

        Capture(JournalRecord record, Change.About about, ServiceRef service) {
            this.record = record;
            this.about = about;
            this.service = service;
            this.from = record.time().minus(since);
        }

        @Override
        public String where() {
            return files.where(record.id());
        }

        /** The PNG drawn beside incident.md in the record's folder, for sharing it where the incident is discussed. */
        @Override
        public Optional<java.nio.file.Path> chart() {
            return charted ? Optional.of(java.nio.file.Path.of(where(), "metrics.png")) : Optional.empty();
        }

        /** Before the change: the assessment, the error logs and the charts of the window so far. */
        void gather() {
            if (service != null) {
                before = attempt("metrics before the change", () -> Assessment.of(
                        sources.metrics().sample(service, Optional.empty(), triggers.window()), triggers, matrix));
                collect();
            }
            write();
        }

        /**
         * After the change: the same again, now including the recovery. The logs, the charts and the
         * assessment are read at once: the step's end waits for the slowest of them, not their sum.
         */
        void complete() {
            if (service != null) {
                Thread logs = daemon("incident-logs-" + record.id(), this::logs);
                Thread charts = daemon("incident-charts-" + record.id(), this::charts);
                after = attempt("metrics after the change", () -> Assessment.of(
                        sources.metrics().sample(service, Optional.empty(), triggers.window()), triggers, matrix));
                try {
                    logs.join();
                    charts.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            ended = true;
            write();
        }

        private void collect() {
            logs();
            charts();
        }

        private void logs() {
            Instant now = clock.instant();
            ErrorLog log = attempt("errors.jsonl", () -> sources.logs().errors(service, from, now, MOST_LOG_ENTRIES));
            if (log != null) {
                errors = log;
                StringBuilder lines = new StringBuilder();
                log.entries().forEach(e -> lines.append(e.json()).append('\n'));
                attempt("errors.jsonl", () -> {
                    files.write(record.id(), "errors.jsonl", lines.toString());
                    return null;
                });
            }
        }

        private void charts() {
            Instant now = clock.instant();
            List<RevisionSeries> got = attempt("metrics.png and metrics.svg",
                    () -> sources.history().perRevision(service, from, now));
            if (got != null) {
                series = got;
                attempt("metrics.png and metrics.svg", () -> {
                    files.writeCharts(record.id(), new MetricChart(service.name() + " in " + service.region()
                            + " — journal " + record.id(), from, now, got, triggers.errorRate() * 100,
                            triggers.p95Latency().toMillis(), record.time()));
                    charted = true;
                    return null;
                });
            }
        }

        private void write() {
            Map<String, String> texts = attempt("incident.md", () -> IncidentMarkdown.files(new IncidentMarkdown.Facts(
                    record, about, service, from, List.copyOf(states.getOrDefault(record.id(), List.of(record))), before,
                    after, triggers, errors, series, ended, List.copyOf(problems), null)));
            if (texts != null) {
                texts.forEach((name, text) -> attempt(name, () -> {
                    files.write(record.id(), name, text);
                    return null;
                }));
            }
        }

        private <T> T attempt(String what, Supplier<T> work) {
            try {
                return work.get();
            } catch (RuntimeException e) {
                String problem = what + ": " + e.getMessage();
                if (!problems.contains(problem)) {
                    problems.add(problem);
                }
                return null;
            }
        }

        @Override
        public void finish() {
            long deadline = System.nanoTime() + budget.toNanos();
            try {
                first.join(Math.max(1, budget.toMillis()));
                Thread last = daemon("incident-end-" + record.id(), this::complete);
                last.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                List<String> missing = new ArrayList<>(problems);
                if (last.isAlive()) {
                    missing.add(0, "still gathering after " + budget.toSeconds() + "s (Cloud Monitoring or Cloud "
                            + "Logging slow to answer); what was written so far is kept");
                }
                if (!missing.isEmpty()) {
                    warn.accept("incident record incomplete: " + String.join("; ", missing) + " (" + where() + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                warn.accept("incident record incomplete: interrupted (" + where() + ")");
            } catch (RuntimeException e) {
                warn.accept("incident record incomplete: " + e.getMessage() + " (" + where() + ")");
            }
        }
    }
}

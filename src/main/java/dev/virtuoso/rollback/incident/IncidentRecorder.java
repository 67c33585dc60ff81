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
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.Metrics;
import dev.virtuoso.rollback.verification.Assessment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the incident record of each step a pipeline sends, in {@code incidents/<journal id>/}: the
 * metrics and error logs of the window before the change, gathered on a thread of its own while the
 * change is applied, then once more when the step has ended (so the recovery shows), and incident.md
 * with the timeline the journal saw. The change never waits for it: the step ends, its lock is given
 * back and its summary is printed first; only then, at {@link #close()}, does the run wait, until
 * one {@link Deadline} for the whole run, for the records to be complete. Whatever is missing then
 * (or failed) is a warning.
 */
public final class IncidentRecorder implements IncidentCapture, AutoCloseable {
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
    private final Deadline deadline;
    private final Supplier<Optional<ServiceRef>> target;
    private final java.util.function.BiConsumer<String, String> say;
    private final boolean journaled;
    private final Consumer<String> warn;
    /** Every journal state of the steps being recorded, as appended: the timeline. */
    private final Map<String, List<JournalRecord>> states = new ConcurrentHashMap<>();
    private final List<Capture> captures = new CopyOnWriteArrayList<>();
    /**
     * One thread for every pass of every record of the run, so a step's second pass starts only once
     * its first has ended and two passes never write the same files at once. A daemon: a pass stuck
     * on a slow API never keeps the process alive after {@link #close()}.
     */
    private final ExecutorService passes = Executors.newSingleThreadExecutor(work -> {
        Thread t = new Thread(work, "incident-record");
        t.setDaemon(true);
        return t;
    });

    /**
     * One end for every record of a run, however many recorders it has (a fleet's regions each have
     * one): fixed when the first of them starts to wait, so the run waits {@code budget} in all.
     */
    public static final class Deadline {
        private final Duration budget;
        private Long at;

        public Deadline(Duration budget) {
            this.budget = budget;
        }

        synchronized long nanos() {
            if (at == null) {
                at = System.nanoTime() + budget.toNanos();
            }
            return at;
        }
    }

    /**
     * {@code say}: names each record at the end (its folder, its id); {@code warn}: what a record lacks;
     * {@code journaled}: the journal its steps are in is kept (not an in-process sandbox's).
     */
    public IncidentRecorder(IncidentRecords files, Sources sources, Runbook.Triggers triggers,
                            List<Runbook.DecisionRow> matrix, Clock clock, Duration since, Deadline deadline,
                            Supplier<Optional<ServiceRef>> target, java.util.function.BiConsumer<String, String> say,
                            Consumer<String> warn, boolean journaled) {
        this.files = files;
        this.sources = sources;
        this.triggers = triggers;
        this.matrix = matrix;
        this.clock = clock;
        this.since = since;
        this.deadline = deadline;
        this.target = target;
        this.say = say;
        this.warn = warn;
        this.journaled = journaled;
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
    public Recording start(JournalRecord record, Change.About about, Notifier.Incident incident) {
        try {
            return begin(record, about, incident);
        } catch (RuntimeException e) {
            // The step goes on without a record rather than not at all.
            warn.accept("no incident record: " + e);
            return Recording.NONE;
        }
    }

    private Recording begin(JournalRecord record, Change.About about, Notifier.Incident incident) {
        Optional<ServiceRef> service = about.service().map(ServiceState::ref);
        if (service.isEmpty()) {
            try {
                service = target.get();
            } catch (RuntimeException e) {
                service = Optional.empty();
            }
        }
        states.computeIfAbsent(record.id(), id -> new CopyOnWriteArrayList<>(List.of(record)));
        Capture capture = new Capture(record, about, service.orElse(null), incident);
        captures.add(capture);
        capture.first = passes.submit(capture::gather);
        return capture;
    }

    /**
     * Completes every record of the run, all by the run's {@link Deadline}, then names each one. Called at the
     * end of the run, after its output: the lock is back and the summary printed, so waiting here
     * delays no one's change. A step that was interrupted is not waited for: what is there is kept.
     */
    @Override
    public void close() {
        try {
            for (Capture capture : captures) {
                capture.complete(deadline.nanos(), deadline.budget);
            }
        } finally {
            captures.clear();
            passes.shutdownNow();
        }
    }

    private final class Capture implements Recording {
        private final JournalRecord record;
        private final Change.About about;
        private final ServiceRef service;
        private final Notifier.Incident incident;
        private final Instant from;
        private final List<String> problems = new CopyOnWriteArrayList<>();
        private volatile Future<?> first;
        private volatile Future<?> last;
        private volatile Assessment before;
        private volatile Assessment after;
        private volatile Instant afterAt;
        private volatile ErrorLog errors;
        private volatile List<RevisionSeries> series;
        private volatile boolean ended;
        /** metrics.png and metrics.svg, errors.jsonl, incident.md: on disk (what was read may not be). */
        private volatile boolean charted;
        private volatile boolean exported;
        private volatile boolean reported;
        /** Set once the record's final incident.md is written: a pass still running writes nothing more. */
        private volatile boolean sealed;

        Capture(JournalRecord record, Change.About about, ServiceRef service, Notifier.Incident incident) {
            this.record = record;
            this.about = about;
            this.service = service;
            this.incident = incident;
            this.from = record.time().minus(since);
        }

        @Override
        public String where() {
            return files.where(record.id());
        }

        /** The step is over: the second pass is queued behind the first, to be waited for at the end. */
        @Override
        public void ended() {
            ended = true;
            try {
                last = passes.submit(this::refresh);
            } catch (RuntimeException e) {
                problems.add("not refreshed after the change: " + e);
            }
        }

        /** Before the change: the assessment, the error logs and the charts of the window so far. */
        private void gather() {
            if (service != null) {
                before = attempt("metrics before the change", this::assess);
                // The chart first: it is what people look at, and a Cloud Logging slow to answer must not
                // cost it.
                charts();
                logs();
            }
            write();
        }

        /**
         * After the change: the same again, now including the recovery. The whole window is read
         * again, not only what is new since the first pass: an entry reaches Cloud Logging, and a
         * point Cloud Monitoring, some seconds to minutes after its timestamp, so the first pass can
         * have missed the last minutes before the change.
         */
        private void refresh() {
            if (service != null) {
                afterAt = clock.instant();
                after = attempt("metrics after the change", this::assess);
                charts();
                logs();
            }
            write();
        }

        private Assessment assess() {
            return Assessment.of(sources.metrics().sample(service, Optional.empty(), triggers.window()), triggers,
                    matrix);
        }

        private void logs() {
            Instant now = clock.instant();
            ErrorLog log = attempt("errors.jsonl", () -> sources.logs().errors(service, from, now, MOST_LOG_ENTRIES));
            if (log != null) {
                StringBuilder lines = new StringBuilder();
                log.entries().forEach(e -> lines.append(e.json()).append('\n'));
                unlessSealed("errors.jsonl", () -> {
                    files.write(record.id(), "errors.jsonl", lines.toString());
                    // What incident.md says of the entries is what this file holds.
                    errors = log;
                    exported = true;
                });
            }
        }

        private void charts() {
            Instant now = clock.instant();
            List<RevisionSeries> got = attempt("metrics.png and metrics.svg",
                    () -> sources.history().perRevision(service, from, now));
            if (got != null) {
                series = got;
                unlessSealed("metrics.png and metrics.svg", () -> {
                    files.writeCharts(record.id(), new MetricChart(service.name() + " in " + service.region()
                            + " — journal " + record.id(), from, now, got, triggers.errorRate() * 100,
                            triggers.p95Latency().toMillis(), record.time()));
                    charted = true;
                });
            }
        }

        private void write() {
            synchronized (this) {
                if (!sealed) {
                    writeReport();
                }
            }
        }

        /** incident.md and incident.json, from what is known now; a file that cannot be written is noted. */
        private void writeReport() {
            Map<String, String> texts = attempt("incident.md", () -> IncidentMarkdown.files(new IncidentMarkdown.Facts(
                    record, about, service, from, List.copyOf(states.getOrDefault(record.id(), List.of(record))), before,
                    after, triggers, errors, series, ended, List.copyOf(problems), afterAt, charted, exported,
                    journaled)));
            if (texts != null) {
                texts.forEach((name, text) -> attempt(name, () -> {
                    files.write(record.id(), name, text);
                    reported |= name.equals("incident.md");
                    return null;
                }));
            }
        }

        /**
         * Writes unless the record was completed meanwhile: a late pass must not replace its files. Not
         * under the record's lock: drawing a chart can take a second, and completing the record must
         * not wait for a pass it has given up on (at worst, that pass's newer chart lands after).
         */
        private void unlessSealed(String what, Runnable write) {
            if (!sealed) {
                attempt(what, () -> {
                    write.run();
                    return null;
                });
            }
        }

        /** Runs {@code work}; what it cannot do is noted, never thrown: a chart's font or an API failing is a warning. */
        private <T> T attempt(String what, Supplier<T> work) {
            try {
                return work.get();
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Throwable e) {
                // Errors too: drawing can fail with an AWTError or a font's InternalError on a bare server.
                String problem = what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
                if (!problems.contains(problem)) {
                    problems.add(problem);
                }
                return null;
            }
        }

        /** Waits (until {@code deadline}) for the second pass, then writes the final incident.md and names the record. */
        void complete(long deadline, Duration budget) {
            Future<?> pass = last;
            boolean interrupted = Thread.currentThread().isInterrupted() || stateNow() == JournalRecord.State.interrupted;
            if (pass != null && !interrupted) {
                try {
                    pass.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    problems.add(0, "still gathering after " + budget.toSeconds() + "s (Cloud Monitoring or Cloud "
                            + "Logging slow to answer); what was gathered by then is kept");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                } catch (ExecutionException e) {
                    problems.add("the record: " + e.getCause());
                }
            }
            if (interrupted && (pass == null || !pass.isDone())) {
                problems.add(0, "not refreshed after the change: the run was interrupted");
            }
            List<String> missing;
            synchronized (this) {
                writeReport();
                sealed = true;
                // Taken before the passes are cancelled below, which may note their own cancellation.
                missing = List.copyOf(problems);
            }
            if (first != null) {
                first.cancel(true);
            }
            if (pass != null) {
                pass.cancel(true);
            }
            if (reported) {
                say.accept(where(), record.id());
            }
            if (!missing.isEmpty() || !reported) {
                warn.accept((reported ? "incident record incomplete: " : "no incident record: ")
                        + String.join("; ", missing) + " (" + where() + ")");
            }
            if (charted && !interrupted) {
                // However the step ended, the people discussing it see the chart the record keeps.
                attempt("the chart in the notification", () -> {
                    incident.attach(java.nio.file.Path.of(where(), "metrics.png"), "Error rate and P95 around "
                            + about.where() + " (journal " + record.id() + ")");
                    return null;
                });
            }
        }

        private JournalRecord.State stateNow() {
            List<JournalRecord> seen = states.getOrDefault(record.id(), List.of(record));
            return seen.get(seen.size() - 1).state();
        }
    }
}

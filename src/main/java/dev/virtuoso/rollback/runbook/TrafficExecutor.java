package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The one path every traffic change takes: plan → confirm → journal → re-read and compare →
 * apply → wait until really in effect → verify → summary (SPEC 3 and 7). Whether this run may
 * change anything ({@code --dry-run}) is decided once, when the executor is made.
 *
 * <p>After any error past the point of sending (including Ctrl-C), the service is read again and
 * the journal says what is true: whether the change was sent, and whether it is in effect.
 */
public final class TrafficExecutor {
    public static final String KIND = "traffic";
    /** How long a traffic change may take before we stop waiting (the change itself goes on). */
    public static final Duration WAIT_LIMIT = Duration.ofMinutes(10);
    /** After an error or Ctrl-C, at most this long is spent reading what is true before exiting. */
    static final Duration RE_READ = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServiceControl control;
    private final Journal journal;
    private final Interaction ui;
    private final Verifier verifier;
    private final Notifier notifier;
    private final Clock clock;
    private final String user;
    private final boolean dryRun;
    private final String parent;
    private final Duration waitLimit;

    public TrafficExecutor(ServiceControl control, Journal journal, Interaction ui, Verifier verifier,
                           Notifier notifier, Clock clock, String user, boolean dryRun) {
        this(control, journal, ui, verifier, notifier, clock, user, dryRun, null, WAIT_LIMIT);
    }

    private TrafficExecutor(ServiceControl control, Journal journal, Interaction ui, Verifier verifier,
                            Notifier notifier, Clock clock, String user, boolean dryRun, String parent,
                            Duration waitLimit) {
        this.control = control;
        this.journal = journal;
        this.ui = ui;
        this.verifier = verifier;
        this.notifier = notifier;
        this.clock = clock;
        this.user = user;
        this.dryRun = dryRun;
        this.parent = parent;
        this.waitLimit = waitLimit;
    }

    /** True when this run only plans ({@code --dry-run}). */
    public boolean dryRun() {
        return dryRun;
    }

    /** Exit 2 unless the journal can take a record: checked before a change is offered. */
    public void checkJournal() {
        journal.checkWritable();
    }

    /** The same executor, waiting at most {@code limit} for a change to be in effect. */
    public TrafficExecutor waitingAtMost(Duration limit) {
        return new TrafficExecutor(control, journal, ui, verifier, notifier, clock, user, dryRun, parent, limit);
    }

    public ActionResult execute(Plan plan, Optional<VerifyRequest> verify) {
        Instant start = clock.instant();
        ServiceState before = plan.before();
        if (plan.unchanged()) {
            return result(plan, ActionResult.Outcome.unchanged, plan.unchangedReason(), before.traffic(), null, start,
                    null, List.of());
        }
        String problem = TrafficPlanner.problem(plan.after());
        if (problem != null) {
            throw RunbookException.invalid("refusing to send the traffic for " + plan.service().name() + ": " + problem);
        }
        if (inFlight(plan)) {
            return adopt(plan, verify, start);
        }
        if (dryRun) {
            ui.showPlan(plan);
            return result(plan, ActionResult.Outcome.planned, "dry run: " + plan.summary() + " (nothing changed)",
                    plan.after(), null, start, null, plan.notes());
        }
        checkJournal(); // a change that could not be journaled is not offered
        ui.confirm(plan);
        start = clock.instant(); // the time it took starts after the human said yes
        JournalRecord record = new JournalRecord(newId(start), start, user, plan.command(), plan.service().path(),
                KIND, json(before.traffic()), json(plan.after()), JournalRecord.State.planned, plan.summary())
                .under(parent);
        journal.append(record);
        Notifier.Incident incident = notifier.open("rollback " + plan.command() + " on " + plan.service() + " by "
                + user + ": " + plan.summary() + " (journal " + record.id() + ")");
        ServiceState after;
        try {
            // The adapter re-reads and compares etag/generation immediately before it applies.
            after = control.updateTraffic(before, plan.after(), waitLimit, ui.progress());
        } catch (RunbookException e) {
            after = afterError(record, plan, e, incident);
        }
        return finish(plan, record, after, verify, start, incident, plan.notes());
    }

    /**
     * The service already asks for exactly this traffic but has not finished applying it: an
     * earlier run sent it and was killed. Sending it again would start a second update; wait for
     * the one in flight instead (done means done), and journal that it was adopted.
     */
    private boolean inFlight(Plan plan) {
        ServiceState s = plan.before();
        return ServiceState.sameEntries(s.traffic(), plan.after()) && !s.settledOn(plan.after()) && !s.failed();
    }

    private ActionResult adopt(Plan plan, Optional<VerifyRequest> verify, Instant start) {
        ServiceState s = plan.before();
        Optional<JournalRecord> origin = sentBefore(plan);
        String note = "adopted the change already in flight (generation " + s.generation() + ", observed "
                + s.observedGeneration() + origin.map(o -> "; sent by journal step " + o.id() + ", left "
                + o.state()).orElse("") + "): nothing was sent";
        ui.info("A change to exactly this traffic is already in flight; waiting for it to finish, sending nothing.");
        if (dryRun) {
            return result(plan, ActionResult.Outcome.planned, "dry run: would wait for the change in flight to "
                    + plan.service().name() + " (nothing changed)", plan.after(), null, start, null, List.of(note));
        }
        JournalRecord record = new JournalRecord(newId(start), start, user, plan.command(), plan.service().path(),
                KIND, origin.map(JournalRecord::before).orElse(json(s.traffic())), json(plan.after()),
                JournalRecord.State.planned, note).under(parent);
        journal.append(record);
        Notifier.Incident none = text -> { };
        ServiceState after;
        try {
            after = control.awaitTraffic(plan.service(), plan.after(), waitLimit, ui.progress());
        } catch (RunbookException e) {
            after = afterError(record, plan, e, none);
        }
        List<String> notes = new ArrayList<>(plan.notes());
        notes.add(0, note);
        return finish(plan, record, after, verify, start, none, notes);
    }

    /** The newest step of an earlier run that asked for this traffic and never finished. */
    private Optional<JournalRecord> sentBefore(Plan plan) {
        List<JournalRecord> all = journal.history();
        for (int i = all.size() - 1; i >= 0; i--) {
            JournalRecord r = all.get(i);
            if (KIND.equals(r.kind()) && plan.service().path().equals(r.target()) && r.after() != null
                    && (r.state() == JournalRecord.State.planned || r.state() == JournalRecord.State.interrupted)
                    && ServiceState.sameEntries(traffic(r.after()), plan.after())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private ActionResult finish(Plan plan, JournalRecord record, ServiceState after, Optional<VerifyRequest> verify,
                                Instant start, Notifier.Incident incident, List<String> notes) {
        record = record.next(clock.instant(), JournalRecord.State.applied, json(after.traffic()), record.detail());
        journal.append(record);
        VerifyReport report = null;
        if (verify.isPresent()) {
            try {
                report = verifier.verify(verify.get());
            } catch (RunbookException e) {
                throw verificationError(plan, record, e, incident);
            }
            journal.append(record.next(clock.instant(), report.ok() ? JournalRecord.State.verified
                    : JournalRecord.State.failed, null, "verification: " + report.count(Verdict.PASS) + "/"
                    + report.checks().size() + " checks passed"));
        }
        String took = Durations.format(Duration.between(start, clock.instant()));
        incident.post(report == null ? "✓ applied in " + took + " (not verified)"
                : report.ok() ? "✓ applied and verified in " + took + ": " + report.count(Verdict.PASS) + "/"
                        + report.checks().size() + " checks passed"
                        : "✗ applied in " + took + " but verification FAILED: " + report.count(Verdict.FAIL) + "/"
                                + report.checks().size() + " checks failed");
        return result(plan, ActionResult.Outcome.applied, plan.summary(), after.traffic(), record.id(), start, report,
                notes);
    }

    /**
     * What is true after an error past the point of sending: the service is read again (briefly)
     * and the journal says whether the change was sent and whether it is in effect. When the goal
     * holds anyway (the answer was lost, the operation could not be followed), the run goes on.
     */
    private ServiceState afterError(JournalRecord record, Plan plan, RunbookException e, Notifier.Incident incident) {
        boolean interrupted = e.exitCode() == ExitCode.INTERRUPTED;
        if (interrupted) {
            Thread.interrupted(); // read and journal first; the run still ends with exit 130
        }
        Optional<ServiceState> now = control.peek(plan.service(), RE_READ);
        boolean inEffect = now.map(s -> s.settledOn(plan.after())).orElse(false);
        if (inEffect && !interrupted) {
            ui.info("warning: " + e.getMessage() + "; but " + plan.service().name() + " now serves the new traffic");
            return now.get();
        }
        boolean sent = now.map(s -> ServiceState.sameEntries(s.traffic(), plan.after())
                && s.generation() > plan.before().generation()).orElse(false);
        String truth;
        if (now.isEmpty()) {
            truth = plan.service().name() + " could not be read again, so whether the change is in effect is unknown "
                    + "(see `rollback status`)";
        } else if (inEffect) {
            truth = "the change was sent and is in effect";
        } else if (sent) {
            truth = "the change was sent and is not in effect yet" + (now.get().failed()
                    ? " (Cloud Run reports it failed: " + now.get().failure() + ")" : " (Cloud Run is still applying it)");
        } else {
            truth = "nothing was changed";
        }
        boolean maybeChanged = now.isEmpty() || sent;
        journal.append(record.next(clock.instant(), interrupted ? JournalRecord.State.interrupted
                : JournalRecord.State.failed, now.map(s -> json(s.traffic())).orElse(null),
                e.getMessage() + "; " + truth, maybeChanged));
        incident.post("✗ " + (interrupted ? "interrupted" : "failed") + ": " + e.getMessage() + "; " + truth);
        throw new RunbookException(e.exitCode(), e.getMessage() + "; " + truth + (maybeChanged
                ? "; `rollback undo " + record.id() + "` puts back the traffic from before" : ""), e);
    }

    /** The change is applied; checks that could not run (or Ctrl-C) must not read as "nothing changed". */
    private RunbookException verificationError(Plan plan, JournalRecord record, RunbookException e,
                                               Notifier.Incident incident) {
        boolean interrupted = e.exitCode() == ExitCode.INTERRUPTED;
        if (interrupted) {
            Thread.interrupted();
        }
        String what = plan.summary() + " was applied, but verification " + (interrupted ? "was interrupted"
                : "could not run: " + e.getMessage());
        journal.append(record.next(clock.instant(), interrupted ? JournalRecord.State.interrupted
                : JournalRecord.State.failed, null, what));
        incident.post("✗ " + what);
        return new RunbookException(interrupted ? ExitCode.INTERRUPTED : e.exitCode() == ExitCode.INVALID_INPUT
                ? ExitCode.VERIFICATION_FAILED : e.exitCode(), what + " (journal " + record.id() + ")", e);
    }

    private ActionResult result(Plan plan, ActionResult.Outcome outcome, String summary, List<TrafficEntry> after,
                                String journalId, Instant start, VerifyReport report, List<String> notes) {
        return new ActionResult(plan.command(), plan.service().path(), outcome, summary, plan.before().traffic(),
                after, journalId, Duration.between(start, clock.instant()).toMillis(), report, notes);
    }

    static JsonNode json(List<TrafficEntry> traffic) {
        return JSON.valueToTree(traffic);
    }

    static List<TrafficEntry> traffic(JsonNode node) {
        return Arrays.asList(JSON.convertValue(node, TrafficEntry[].class));
    }

    static String newId(Instant at) {
        byte[] b = new byte[2];
        RANDOM.nextBytes(b);
        return ID_TIME.format(at) + "-" + HexFormat.of().formatHex(b);
    }

    /**
     * A composite action (the drill): one journal record whose {@code before} is what {@code undo}
     * restores, with its steps journaled under it.
     */
    public final class Composite {
        private JournalRecord record;

        private Composite(JournalRecord record) {
            this.record = record;
        }

        public String id() {
            return record.id();
        }

        /** Executes the composite's steps, journaled under it. */
        public TrafficExecutor steps() {
            return new TrafficExecutor(control, journal, ui, verifier, notifier, clock, user, dryRun, record.id(),
                    waitLimit);
        }

        /** Records that a step changed traffic. */
        public void changed(String detail) {
            record = record.next(clock.instant(), JournalRecord.State.applied, null, detail);
            journal.append(record);
        }

        /** Records how the composite ended, the traffic it left, and whether it may have changed anything. */
        public void end(JournalRecord.State state, List<TrafficEntry> left, String detail, boolean maybeChanged) {
            record = record.next(clock.instant(), state, left == null ? null : json(left), detail, maybeChanged);
            journal.append(record);
        }
    }

    /** Journals the start of a composite action whose {@code undo} restores {@code before}. */
    public Composite begin(String command, ServiceState before, String summary) {
        Instant now = clock.instant();
        JournalRecord record = new JournalRecord(newId(now), now, user, command, before.ref().path(), KIND,
                json(before.traffic()), json(before.traffic()), JournalRecord.State.planned, summary);
        journal.append(record);
        return new Composite(record);
    }
}

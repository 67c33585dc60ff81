package dev.virtuoso.rollback.runbook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The monthly drill (SPEC 8, "Testing Rollback Procedures"): record the stable revision, route
 * 100% to a known-bad one, verify and expect failure (time to detect), quick back to stable,
 * verify passes (time to recover), put the original split back.
 */
public final class Drill {
    /** How often verification is repeated while waiting to detect or to recover. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    public record Request(ServiceRef service, String badRevision, String stableRevision, Duration detectTimeout,
                          Duration recoverTimeout) {
    }

    public record Step(String name, String detail, long durationMs, boolean ok) {
    }

    public record Report(String service, Instant started, String stableRevision, String badRevision,
                         List<TrafficEntry> originalTraffic, List<Step> steps, Long timeToDetectMs,
                         Long timeToRecoverMs, double failedCheckRatio, String severity, long deadlineMs,
                         boolean withinDeadline, boolean ok) {
    }

    private final ServiceControl control;
    private final TrafficExecutor executor;
    private final Verifier verifier;
    private final Function<ServiceState, VerifyRequest> checks;
    private final List<Runbook.DecisionRow> matrix;
    private final Interaction ui;
    private final Notifier notifier;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * {@code executor} must neither ask again nor notify: the drill is confirmed once and is one
     * incident as a whole. {@code checks} builds the verification for the service as read.
     */
    public Drill(ServiceControl control, TrafficExecutor executor, Verifier verifier,
                 Function<ServiceState, VerifyRequest> checks, List<Runbook.DecisionRow> matrix, Interaction ui,
                 Notifier notifier, Clock clock, Sleeper sleeper) {
        this.control = control;
        this.executor = executor;
        this.verifier = verifier;
        this.checks = checks;
        this.matrix = matrix;
        this.ui = ui;
        this.notifier = notifier;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public Report run(Request req) {
        Instant started = clock.instant();
        List<Step> steps = new ArrayList<>();
        ServiceState original = control.service(req.service());
        List<Revision> revisions = control.revisions(req.service());
        String bad = Preflight.ready(req.service(), revisions, req.badRevision()).name();
        String stable = stable(req, original, revisions, bad);
        VerifyRequest verify = checks.apply(original);
        steps.add(new Step("record", "stable revision " + stable + ", bad revision " + bad + ", original traffic "
                + original.traffic(), since(started), true));
        ui.confirm("Run the drill on " + req.service() + "? It sends 100% of traffic to " + bad
                + " until the failure is detected (at most " + Durations.format(req.detectTimeout()) + ").");

        Notifier.Incident incident = notifier.open("rollback drill on " + req.service() + ": 100% to the bad revision "
                + bad + ", then back to " + stable);
        Instant t = clock.instant();
        ui.info("drill: routing 100% to the bad revision " + bad);
        ActionResult broke = executor.execute(QuickRollback.plan(original, revisions,
                new QuickRollback.ToRevision(bad), 100), false, Optional.empty());
        steps.add(new Step("break", broke.summary(), since(t), true));

        try {
            return measure(req, original, revisions, bad, stable, verify, started, steps, incident);
        } catch (RuntimeException e) {
            // Never leave the service on the bad revision: put the stable one back, then report.
            ui.info("drill: failed (" + e.getMessage() + "); routing back to " + stable);
            incident.post("✗ drill aborted: " + e.getMessage() + "; routing back to " + stable);
            executor.execute(QuickRollback.plan(control.service(req.service()), revisions,
                    new QuickRollback.ToRevision(stable), 100), false, Optional.empty());
            throw e;
        }
    }

    private Report measure(Request req, ServiceState original, List<Revision> revisions, String bad, String stable,
                           VerifyRequest verify, Instant started, List<Step> steps, Notifier.Incident incident) {
        Instant t;
        Instant broken = clock.instant();
        ui.info("drill: verifying, expecting failure");
        VerifyReport detection = until(verify, r -> !r.ok(), req.detectTimeout());
        boolean detected = !detection.ok();
        Long timeToDetect = detected ? since(broken) : null;
        double ratio = (double) detection.count(Verdict.FAIL) / Math.max(1, detection.checks().size());
        steps.add(new Step("detect", detected ? detection.count(Verdict.FAIL) + "/" + detection.checks().size()
                + " checks failed" : "NOT detected: every check passed against " + bad + " for "
                + Durations.format(req.detectTimeout()), since(broken), detected));

        Instant recoverStart = clock.instant();
        ui.info("drill: quick rollback to the stable revision " + stable);
        ServiceState now = control.service(req.service());
        executor.execute(QuickRollback.plan(now, revisions, new QuickRollback.ToRevision(stable), 100), false,
                Optional.empty());
        VerifyReport recovery = until(verify, VerifyReport::ok, req.recoverTimeout());
        Long timeToRecover = recovery.ok() ? since(recoverStart) : null;
        steps.add(new Step("recover", recovery.ok() ? "100% to " + stable + ", " + recovery.count(Verdict.PASS) + "/"
                + recovery.checks().size() + " checks passed" : "checks still failing on " + stable + " after "
                + Durations.format(req.recoverTimeout()), since(recoverStart), recovery.ok()));

        t = clock.instant();
        ui.info("drill: restoring the original traffic split");
        now = control.service(req.service());
        ActionResult restored = executor.execute(Undo.restore("drill", now, control.revisions(req.service()),
                original.traffic(), "restore the traffic of " + req.service().name() + " from before the drill",
                List.of()), false, Optional.empty());
        steps.add(new Step("restore", restored.summary(), since(t), true));

        Runbook.DecisionRow row = matrix.stream().filter(r -> ratio >= r.minErrorRate()).findFirst()
                .orElse(matrix.get(matrix.size() - 1));
        boolean within = timeToRecover != null && timeToRecover <= row.within().toMillis();
        incident.post((detected && recovery.ok() && within ? "✓ drill passed" : "✗ drill failed") + ": detected in "
                + (timeToDetect == null ? "never" : Durations.format(Duration.ofMillis(timeToDetect))) + ", recovered in "
                + (timeToRecover == null ? "never" : Durations.format(Duration.ofMillis(timeToRecover))));
        return new Report(req.service().toString(), started, stable, bad, original.traffic(), steps, timeToDetect,
                timeToRecover, ratio, row.severity(), row.within().toMillis(), within,
                detected && recovery.ok() && within);
    }

    /** Stable is given, or what serves now, or — when the bad revision serves now — the Ready one before it. */
    private static String stable(Request req, ServiceState s, List<Revision> revisions, String bad) {
        if (req.stableRevision() != null) {
            return Preflight.ready(req.service(), revisions, req.stableRevision()).name();
        }
        String serving = s.servingRevision().orElse(null);
        if (serving != null && !serving.equals(bad)) {
            return Preflight.ready(req.service(), revisions, serving).name();
        }
        Revision badRev = Preflight.find(req.service(), revisions, bad);
        return revisions.stream().filter(r -> r.ready() && r.created().isBefore(badRev.created())).findFirst()
                .map(Revision::name).orElseThrow(() -> RunbookException.invalid("no Ready revision older than " + bad
                        + " to recover to; name one with --stable-revision"));
    }

    private VerifyReport until(VerifyRequest verify, java.util.function.Predicate<VerifyReport> goal, Duration limit) {
        Instant start = clock.instant();
        while (true) {
            VerifyReport r = verifier.verify(verify);
            if (goal.test(r) || Duration.between(start, clock.instant()).plus(CHECK_EVERY).compareTo(limit) > 0) {
                return r;
            }
            try {
                sleeper.sleep(CHECK_EVERY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunbookException(ExitCode.INTERRUPTED, "drill interrupted");
            }
        }
    }

    private long since(Instant t) {
        return Duration.between(t, clock.instant()).toMillis();
    }
}

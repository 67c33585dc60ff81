package dev.virtuoso.rollback.drill;

import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Preflight;
import dev.virtuoso.rollback.change.ServiceSteps;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.image.ImageRollback;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.Verifier;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The monthly drill (the written runbook's "Testing Rollback Procedures"): record the stable revision, route
 * 100% to a known-bad one, verify and expect failure (time to detect), quick back to stable,
 * verify passes (time to recover), put the original split back.
 *
 * <p>The drill is journaled as one action whose {@code undo} restores the original split, with its
 * steps under it. Ctrl-C puts the original split back (within {@link #RESTORE_LIMIT}); when that
 * cannot be done, the journal and the message say what {@code rollback undo} will do.
 */
public final class Drill {
    /** How often verification is repeated while waiting to detect or to recover. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** How long Ctrl-C waits for the original split to be back before giving up on it. */
    public static final Duration RESTORE_LIMIT = Duration.ofSeconds(30);

    /**
     * {@code badImage}, when set instead of {@code badRevision}, is deployed as the bad revision.
     * {@code ranBy}, {@code runbook} (the file, or null) and {@code version} go into the report.
     */
    public record Request(ServiceRef service, String badRevision, String badImage, String stableRevision,
                          Duration detectTimeout, Duration recoverTimeout, String ranBy, String runbook,
                          String version) {
    }

    public record Step(String name, String detail, long durationMs, boolean ok) {
    }

    /**
     * The drill as a record to keep. {@code timeToDetectMs} is the time until the checks saw the bad
     * revision fail (not an alert's delay); {@code failedChecks} are the checks that saw it, and
     * {@code passedChecks} those that passed again on the stable revision. {@code dryRun}: only
     * the plan was shown; nothing ran and no report is due.
     */
    public record Report(String service, Instant started, String ranBy, String runbook, String toolVersion,
                         String stableRevision, String badRevision, List<TrafficEntry> originalTraffic,
                         long detectTimeoutMs, long recoverTimeoutMs, List<Step> steps, Long timeToDetectMs,
                         Long timeToRecoverMs, List<String> failedChecks, List<String> passedChecks,
                         double failedCheckRatio, String severity, long deadlineMs, boolean withinDeadline,
                         boolean ok, boolean dryRun, String journalId, List<String> createdRevisions,
                         String incidentRecord) {
        /** The same report for a drill whose journal is not kept (the in-process sandbox's): no id to look up. */
        public Report withoutJournal() {
            return new Report(service, started, ranBy, runbook, toolVersion, stableRevision, badRevision,
                    originalTraffic, detectTimeoutMs, recoverTimeoutMs, steps, timeToDetectMs, timeToRecoverMs,
                    failedChecks, passedChecks, failedCheckRatio, severity, deadlineMs, withinDeadline, ok, dryRun,
                    null, createdRevisions, incidentRecord);
        }
    }

    private final ServiceControl control;
    private final SecretStore secrets;
    private final ChangePipeline pipeline;
    private final Verifier verifier;
    private final Function<ServiceState, VerifyRequest> checks;
    private final List<Runbook.DecisionRow> matrix;
    private final Interaction ui;
    private final Notifier notifier;
    private final Clock clock;
    private final Wait wait;

    /**
     * {@code pipeline} must neither ask again nor notify: the drill is confirmed once and is one
     * incident as a whole. {@code checks} builds the verification for the service as read.
     */
    public Drill(ServiceControl control, SecretStore secrets, ChangePipeline pipeline, Verifier verifier,
                 Function<ServiceState, VerifyRequest> checks, List<Runbook.DecisionRow> matrix, Interaction ui,
                 Notifier notifier, Wait wait) {
        this.control = control;
        this.secrets = secrets;
        this.pipeline = pipeline;
        this.verifier = verifier;
        this.checks = checks;
        this.matrix = matrix;
        this.ui = ui;
        this.notifier = notifier;
        this.clock = wait.clock();
        this.wait = wait;
    }

    public Report run(Request req) {
        Instant started = clock.instant();
        List<Step> steps = new ArrayList<>();
        ServiceState original = control.service(req.service());
        List<Revision> revisions = control.revisions(req.service());
        boolean deploy = req.badImage() != null;
        String bad = deploy ? ImageRollback.freshName(req.service(), started)
                : Preflight.ready(req.service(), revisions, req.badRevision()).name();
        String stable = stable(req, original, revisions, bad);
        if (stable.equals(bad)) {
            throw RunbookException.invalid("the bad revision and the stable revision are both " + bad + ": name "
                    + "another --stable-revision, or a --bad-revision that is not the one serving now");
        }
        // The drill has no --force: recovering to a revision that cannot start would measure nothing.
        Preflight.secrets(Preflight.find(req.service(), revisions, stable), req.service().project(), secrets, false);
        // Everything the drill needs is checked before the first change: the checks (API key and
        // its transport), and each traffic list it will send.
        VerifyRequest verify = checks.apply(original);
        // A rehearsal measured with fewer checks than the real thing would report a detection time
        // or a recovery the checks never saw, so every check must be able to run.
        verify.gap().ifPresent(gap -> {
            throw RunbookException.invalid("the drill needs every check, and " + gap);
        });
        healthyBefore(req, original, stable, verify);
        Plan breakPlan = deploy ? null : QuickRollback.plan(original, revisions, new QuickRollback.ToRevision(bad), 100);
        Change<?> breakChange = deploy ? ImageChange.deploy("drill: deploy " + req.badImage(), original, original.image(),
                req.badImage(), bad, List.of(), control) : new TrafficChange(breakPlan, control);
        ServiceSteps.restore("drill: restore", original, revisions, original.traffic(), "", List.of());
        // What `undo` of the drill puts back. When LATEST served, the traffic list alone would not:
        // after the bad image's deploy LATEST means the bad revision, so the record is an image one.
        boolean redeploy = deploy && original.servesLatest();
        String servedImage = servedImage(original, revisions);
        Supplier<Change<?>> restore = () -> restore(req.service(), original, redeploy ? servedImage : null);
        steps.add(new Step("record", "stable revision " + stable + ", bad revision " + bad + ", original traffic "
                + original.traffic(), since(started), true));
        List<String> plan = List.of("Drill plan for " + req.service() + ":",
                deploy ? "  1. deploy " + req.badImage() + " as " + bad + (original.followsLatest()
                        ? "; LATEST serves it once it is Ready" : " and route 100% to it once it is Ready")
                        : "  1. route 100% to the bad revision " + bad + (breakPlan.unchanged() ? " (it serves 100% already)"
                        : ""),
                "  2. verify, expecting the checks to fail (up to " + Durations.format(req.detectTimeout()) + ")",
                "  3. route 100% to the stable revision " + stable,
                "  4. verify, expecting the checks to pass (up to " + Durations.format(req.recoverTimeout()) + ")",
                "  5. restore the original traffic: " + original.traffic() + (redeploy ? ", deploying " + servedImage
                        + " again so that LATEST means it" : ""));
        if (pipeline.dryRun()) {
            plan.forEach(ui::info);
            ui.info("dry run: nothing changed");
            return new Report(req.service().toString(), started, req.ranBy(), req.runbook(), req.version(), stable, bad,
                    original.traffic(), req.detectTimeout().toMillis(), req.recoverTimeout().toMillis(), steps, null,
                    null, List.of(), List.of(), 0, null, 0, false, true, true, null, List.of(), null);
        }
        pipeline.checkJournal();
        Object was = redeploy ? new ImageChange.ImageState(servedImage, null, original.traffic())
                : TrafficChange.TrafficState.of(original.traffic());
        ChangePipeline.Composite drill = pipeline.begin(deploy ? "drill --bad-image " + ImageChange.shortImage(
                req.badImage()) : "drill --bad-revision " + bad, redeploy ? ImageChange.KIND : TrafficChange.KIND,
                req.service(), was, stable, bad,
                "drill: 100% to " + bad + ", then back to " + stable + ", then the original traffic",
                () -> ui.confirm(plan, "Run the drill on " + req.service() + "? " + bad + " serves 100% until the "
                        + "failure is detected."));
        ChangePipeline stepsOf = drill.steps();
        String undo = "`rollback undo " + drill.id() + "` " + (redeploy ? "deploys " + servedImage + " again with "
                + "the traffic " : "routes " + req.service().name() + " back to ") + original.traffic();
        Notifier.Incident incident = notifier.open("rollback drill on " + req.service() + ": 100% to the bad revision "
                + bad + ", then back to " + stable + " (journal " + drill.id() + ")");
        Instant t = clock.instant();
        ui.info("drill: routing 100% to the bad revision " + bad);
        ActionResult broke;
        try {
            broke = stepsOf.execute(breakChange, Optional.empty());
        } catch (RunbookException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) {
                throw interrupted(req, restore, was, undo, stepsOf, drill, incident, e);
            }
            // Refused before sending (a conflict, a bad input): nothing to put back, nothing to overwrite.
            boolean sent = e.exitCode() != ExitCode.CONFLICT && e.exitCode() != ExitCode.INVALID_INPUT;
            drill.end(JournalRecord.State.failed, null, "could not route to the bad revision: " + e.getMessage(), sent);
            incident.post("✗ drill aborted: " + e.getMessage());
            throw e;
        }
        drill.changed("routed 100% to " + bad);
        steps.add(new Step("break", broke.summary(), since(t), true));
        // From here the drill owns the service until it is back: a change someone sends meanwhile
        // does not keep the bad revision serving; the drill's own steps replace it.
        ChangePipeline owned = stepsOf.forcing(true);
        try {
            Report report = measure(req, original, bad, stable, verify, started, steps, incident, owned, drill,
                    restore);
            drill.end(report.ok() ? JournalRecord.State.verified : JournalRecord.State.failed, was,
                    "drill " + (report.ok() ? "passed" : "failed") + "; original traffic restored", false);
            return report;
        } catch (RunbookException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) {
                throw interrupted(req, restore, was, undo, owned, drill, incident, e);
            }
            // Never leave the service on the bad revision: put the stable one back, then report.
            ui.info("drill: failed (" + e.getMessage() + "); routing back to " + stable);
            incident.post("✗ drill aborted: " + e.getMessage() + "; routing back to " + stable);
            ActionResult back;
            try {
                back = owned.execute(routeAll(req.service(), stable), Optional.empty());
            } catch (RunbookException again) {
                drill.end(JournalRecord.State.failed, null, "drill aborted (" + e.getMessage() + ") and routing back "
                        + "to " + stable + " failed (" + again.getMessage() + "); " + undo, true);
                throw new RunbookException(ExitCode.API_FAILURE, "drill aborted (" + e.getMessage() + ") and could not "
                        + "route back to " + stable + " (" + again.getMessage() + "); " + undo, again);
            }
            drill.end(JournalRecord.State.failed, back.after(), "drill aborted (" + e.getMessage() + "); left on "
                    + stable + "; `rollback undo " + drill.id() + "` restores the original traffic", false);
            // Traffic was changed (and put back): never exit 2, which says nothing changed.
            throw e.exitCode() == ExitCode.INVALID_INPUT ? new RunbookException(ExitCode.API_FAILURE, "drill aborted "
                    + "after changing traffic (" + e.getMessage() + "); left on " + stable, e) : e;
        }
    }

    /**
     * Ctrl-C: put the original split back, bounded in time. If that fails too (or is interrupted
     * again), say — in the journal and on screen — exactly what {@code undo} will do.
     */
    private RunbookException interrupted(Request req, Supplier<Change<?>> restore, Object was, String undo,
                                         ChangePipeline stepsOf, ChangePipeline.Composite drill,
                                         Notifier.Incident incident, RunbookException cause) {
        Thread.interrupted(); // this Ctrl-C is handled here; a second one interrupts the restore
        ui.info("drill: interrupted; restoring the original traffic of " + req.service().name() + " (at most "
                + Durations.format(RESTORE_LIMIT) + "; Ctrl-C again to stop at once)");
        try {
            stepsOf.waitingAtMost(RESTORE_LIMIT).execute(restore.get(), Optional.empty());
            drill.end(JournalRecord.State.interrupted, was, "drill interrupted; original traffic restored", false);
            incident.post("✗ drill interrupted; original traffic restored");
            return new RunbookException(ExitCode.INTERRUPTED, "drill interrupted; the original traffic of "
                    + req.service().name() + " is restored", cause);
        } catch (RunbookException e) {
            Thread.interrupted();
            drill.end(JournalRecord.State.interrupted, null, "drill interrupted; the original traffic was NOT restored ("
                    + e.getMessage() + "); " + undo, true);
            incident.post("✗ drill interrupted; original traffic NOT restored: " + undo);
            return new RunbookException(ExitCode.INTERRUPTED, "drill interrupted and the original traffic could not be "
                    + "restored (" + e.getMessage() + "); " + undo, cause);
        }
    }

    private Report measure(Request req, ServiceState original, String bad, String stable, VerifyRequest verify,
                           Instant started, List<Step> steps, Notifier.Incident incident, ChangePipeline stepsOf,
                           ChangePipeline.Composite drill, Supplier<Change<?>> restore) {
        Instant broken = clock.instant();
        ui.info("drill: verifying, expecting failure");
        // Detected means the service's answers failed: a check that could not reach it detected nothing.
        Predicate<VerifyReport> failing = r -> r.conclusion() == VerifyReport.Conclusion.FAILED;
        VerifyReport detection = until(verify, failing, req.detectTimeout(), "detecting the bad revision");
        boolean detected = failing.test(detection);
        Long timeToDetect = detected ? since(broken) : null;
        double ratio = (double) detection.count(Verdict.FAIL) / Math.max(1, detection.checks().size());
        steps.add(new Step("detect", detected ? detection.count(Verdict.FAIL) + "/" + detection.checks().size()
                + " checks failed" : "NOT detected: " + (detection.why() == null ? "every check passed" : detection.why())
                + " against " + bad + " for " + Durations.format(req.detectTimeout()), since(broken), detected));

        Instant recoverStart = clock.instant();
        ui.info("drill: quick rollback to the stable revision " + stable);
        ActionResult rollback = stepsOf.execute(routeAll(req.service(), stable), Optional.empty());
        Predicate<VerifyReport> passing = r -> r.conclusion() == VerifyReport.Conclusion.PASSED;
        VerifyReport recovery = until(verify, passing, req.recoverTimeout(), "waiting for the checks to pass");
        boolean recovered = passing.test(recovery);
        Long timeToRecover = recovered ? since(recoverStart) : null;
        steps.add(new Step("recover", recovered ? "100% to " + stable + ", " + recovery.count(Verdict.PASS) + "/"
                + recovery.checks().size() + " checks passed" : "NOT recovered on " + stable + " after " + Durations.format(req.recoverTimeout())
                + ": " + recovery.why(), since(recoverStart), recovered));

        Instant t = clock.instant();
        ui.info("drill: restoring the original traffic split");
        Change<?> back = restore.get();
        ActionResult restored = stepsOf.execute(back, Optional.empty());
        steps.add(new Step("restore", restored.summary(), since(t), true));
        List<String> created = new ArrayList<>();
        if (req.badImage() != null) {
            created.add(bad);
            if (back instanceof ImageChange redeployed) {
                created.add(redeployed.revision());
            }
        }

        Runbook.DecisionRow row = matrix.stream().filter(r -> ratio >= r.minErrorRate()).findFirst()
                .orElse(matrix.get(matrix.size() - 1));
        boolean within = timeToRecover != null && timeToRecover <= row.within().toMillis();
        incident.post((detected && recovered && within ? "✓ drill passed" : "✗ drill failed") + ": detected in "
                + (timeToDetect == null ? "never" : Durations.format(Duration.ofMillis(timeToDetect))) + ", recovered in "
                + (timeToRecover == null ? "never" : Durations.format(Duration.ofMillis(timeToRecover))));
        return new Report(req.service().toString(), started, req.ranBy(), req.runbook(), req.version(), stable, bad,
                original.traffic(), req.detectTimeout().toMillis(), req.recoverTimeout().toMillis(), steps, timeToDetect,
                timeToRecover, names(detection, Verdict.FAIL), names(recovery, Verdict.PASS), ratio, row.severity(),
                row.within().toMillis(), within, detected && recovered && within, false, drill.id(), created,
                rollback.incidentRecord());
    }

    /** 100% to {@code revision}, planned against the service as it is now. */
    private Change<?> routeAll(ServiceRef ref, String revision) {
        return new TrafficChange(QuickRollback.plan(control.service(ref), control.revisions(ref),
                new QuickRollback.ToRevision(revision), 100), control);
    }

    /**
     * What puts the service back as it was: its traffic list — and, when {@code redeployImage} is
     * given (the drill deployed the bad image and LATEST had traffic), that image deployed again,
     * since LATEST now means the bad revision.
     */
    private Change<?> restore(ServiceRef ref, ServiceState original, String redeployImage) {
        ServiceState now = control.service(ref);
        if (redeployImage != null) {
            return ImageChange.redeploy("drill: restore", now, redeployImage, ImageRollback.freshName(ref,
                    clock.instant()), original.traffic(), List.of(), control);
        }
        return new TrafficChange(ServiceSteps.restore("drill: restore", now, control.revisions(ref), original.traffic(),
                "restore the traffic of " + ref.name() + " from before the drill", List.of()), control);
    }

    /**
     * The image LATEST served before the drill: its latest Ready revision's. Not the template's
     * image, which after a deploy that never became Ready names an image that does not start.
     */
    private static String servedImage(ServiceState original, List<Revision> revisions) {
        return revisions.stream().filter(r -> r.name().equals(original.latestReadyRevision())).findFirst()
                .map(Revision::image).orElse(original.image());
    }

    /**
     * A drill needs a healthy revision to come back to. When that is the revision serving all
     * traffic now, its checks must pass before anything changes; otherwise the drill would measure
     * nothing and leave the service where it was, broken.
     */
    private void healthyBefore(Request req, ServiceState original, String stable, VerifyRequest verify) {
        if (!original.serving().equals(Map.of(stable, 100))) {
            return;
        }
        // A dry run changes nothing, so it sends only the checks that ask the service for no change.
        VerifyReport now = verifier.verify(pipeline.dryRun() ? verify.readOnly() : verify);
        if (now.conclusion() == VerifyReport.Conclusion.UNREACHABLE) {
            throw new RunbookException(ExitCode.API_FAILURE, "the drill's checks cannot reach " + req.service().name()
                    + " (" + now.why() + "), before the drill: it could measure nothing");
        }
        if (!now.ok()) {
            throw new RunbookException(ExitCode.VERIFICATION_FAILED, req.service().name() + " fails "
                    + now.count(Verdict.FAIL) + " of " + now.checks().size() + " checks now (" + String.join(", ",
                    names(now, Verdict.FAIL)) + "), before the drill: it needs a healthy revision to recover to; roll "
                    + "back first, or name one with --stable-revision");
        }
    }

    private static List<String> names(VerifyReport r, Verdict v) {
        return r.checks().stream().filter(c -> c.verdict() == v).map(CheckResult::name).toList();
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
        if (req.badImage() != null) {
            throw RunbookException.invalid("service " + req.service().name() + " serves no revision to recover to; "
                    + "name one with --stable-revision");
        }
        Revision badRev = Preflight.find(req.service(), revisions, bad);
        return revisions.stream().filter(r -> r.ready() && r.created().isBefore(badRev.created())).findFirst()
                .map(Revision::name).orElseThrow(() -> RunbookException.invalid("no Ready revision older than " + bad
                        + " to recover to; name one with --stable-revision"));
    }

    /** Verifies every {@link #CHECK_EVERY} until {@code goal} holds or {@code limit} is up. */
    private VerifyReport until(VerifyRequest verify, Predicate<VerifyReport> goal, Duration limit, String what) {
        Progress progress = ui.progress();
        Instant from = clock.instant();
        VerifyReport last = wait.until(() -> verifier.verify(verify), goal, Wait.Backoff.fixed(CHECK_EVERY),
                from.plus(limit), what, waited -> progress.update(what + " (" + Durations.format(waited) + " of "
                        + Durations.format(limit) + ")"));
        progress.done(what + ": " + (goal.test(last) ? "done" : "gave up") + " after "
                + Durations.format(Duration.between(from, clock.instant())));
        return last;
    }

    private long since(Instant t) {
        return Duration.between(t, clock.instant()).toMillis();
    }
}

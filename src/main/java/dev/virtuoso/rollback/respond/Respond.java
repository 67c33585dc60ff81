package dev.virtuoso.rollback.respond;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.ServiceSteps;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.ServiceLocks;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.verification.Assessment;
import dev.virtuoso.rollback.verification.Verification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * `rollback respond`: what Cloud Monitoring's incident notification asks, decided again here. A
 * closed incident, one about another service, one already answered, or a service rolled back so
 * recently that its metric window still holds minutes from before that rollback, is left alone. Then
 * the triggers are judged now, on the revision serving the most traffic (as a watch judges them):
 * the alert may be minutes old. When one fires, the decision matrix's row decides: a rollback row
 * rolls back to the previous revision through the pipeline, anything else only tells people.
 *
 * <p>Idempotent by the journal: a step answering an incident carries its id, and whether the
 * incident was answered (or the service just changed) is asked again once the service's lock is
 * held, before anything is sent, so two responders racing on one redelivered message act once.
 */
public final class Respond {
    /** What respond did. */
    public enum Action { rolledBack, notified, skipped }

    public record Request(Notification notification, ServiceRef service, Runbook.Triggers triggers,
                          List<Runbook.DecisionRow> matrix, String reason) {
    }

    /** {@code rollback}: the quick rollback's result when one was planned or made. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(Action action, String reason, String incident, ActionResult rollback) {
        public boolean ok() {
            return rollback == null || rollback.ok();
        }
    }

    /** A matrix action that means "roll back now", not "evaluate, then roll back" or "monitor". */
    private static final Pattern ROLLS_BACK = Pattern.compile("(?i).*\\broll ?back\\b.*");
    private static final Pattern THINK_FIRST = Pattern.compile("(?i).*\\b(evaluate|then|consider|if)\\b.*");
    static final String COMMAND = "respond";
    /** The journal kind of the step that only tells people. */
    static final String NOTICE = "notice";

    private final Verification verification;
    private final ServiceControl control;
    private final Journal journal;
    private final Notifier notifier;
    private final ChangePipeline pipeline;
    private final BiFunction<ServiceState, ChangePipeline, ActionResult> rollback;
    private final Clock clock;
    private final Interaction ui;

    /**
     * {@code rollback} performs `quick --previous` through the pipeline given (which journals the
     * incident and holds the change back under the lock when the incident was answered meanwhile),
     * planned on the service as it was judged.
     */
    public Respond(Verification verification, ServiceControl control, Journal journal, Notifier notifier,
                   ChangePipeline pipeline, BiFunction<ServiceState, ChangePipeline, ActionResult> rollback,
                   Clock clock, Interaction ui) {
        this.verification = verification;
        this.control = control;
        this.journal = journal;
        this.notifier = notifier;
        this.pipeline = pipeline.by(COMMAND);
        this.rollback = rollback;
        this.clock = clock;
        this.ui = ui;
    }

    public Result run(Request req) {
        Notification n = req.notification();
        if (!n.open()) {
            return skipped(n, n.label() + " is closed: nothing to do");
        }
        Optional<String> other = n.otherThan(req.service());
        if (other.isPresent()) {
            return skipped(n, n.label() + " is about " + other.get() + ", not this runbook's "
                    + req.service().path() + ": nothing to do");
        }
        Optional<String> answered = answered(req);
        if (answered.isPresent()) {
            return skipped(n, answered.get());
        }
        ServiceState look = control.service(req.service());
        Optional<String> serving = look.servingRevision();
        Assessment a = verification.assess(new Verification.MetricRequest(req.service(), serving, req.triggers(),
                req.matrix()));
        String on = " on " + serving.orElse("(no revision serves)");
        if (!a.fired()) {
            return skipped(n, (a.severity() == null ? "triggers cannot be judged now" + on + ": " + a.reasons().get(0)
                    : "triggers no longer fire" + on + ": " + calm(a, req.triggers())) + "; nothing done");
        }
        String why = n.label() + ": " + String.join("; ", a.reasons()) + on + " (" + a.recommendation() + ")";
        String reason = req.reason() == null ? why : req.reason() + "; " + why;
        ChangePipeline answering = pipeline.because(reason).answering(n.id(), () -> answered(req));
        if (!rollsBack(a)) {
            return notifyOnly(n, req, a, answering, reason);
        }
        ui.info(why + ": rolling back to the previous revision");
        ActionResult r = rollback.apply(look, answering);
        return switch (r.outcome()) {
            case applied -> new Result(Action.rolledBack, why, n.id(), r);
            case skipped -> new Result(Action.skipped, r.summary(), n.id(), r);
            case planned -> new Result(Action.skipped, "dry run: would roll back for " + why, n.id(), r);
            case unchanged -> new Result(Action.skipped, r.summary() + ": nothing to roll back", n.id(), r);
        };
    }

    /** The matrix's row asks a person to decide (or only to watch): tell people, journal that, change nothing. */
    private Result notifyOnly(Notification n, Request req, Assessment a, ChangePipeline answering, String reason) {
        String text = "rollback respond on " + req.service().path() + ": " + reason
                + "; the decision matrix says \"" + a.action() + "\", which a person decides: nothing was rolled back";
        if (pipeline.dryRun()) {
            return new Result(Action.skipped, "dry run: would notify: " + text, n.id(), null);
        }
        ui.confirm("Notify people that " + n.label() + " fires (" + a.recommendation() + "), without rolling back?");
        String id = answering.journalNotice(req.service(), COMMAND, NOTICE, "notified: " + a.recommendation(),
                () -> {
                    notifier.open(text);
                    // Telling people is all this row does: a notice nobody received is no answer, and the
                    // message is delivered again (exit 4) rather than acknowledged.
                    if (!notifier.flush()) {
                        throw new RunbookException(ExitCode.API_FAILURE, "the notification was not delivered");
                    }
                });
        return new Result(Action.notified, a.recommendation() + ": notified, not rolled back (journal " + id + ")",
                n.id(), null);
    }

    /**
     * Why this incident needs nothing more, from the journal: a step already answered it (one that
     * was refused before sending anything, say for a colleague's lock, did not), or the service was
     * rolled back within {@code window + sustain} (by anyone, finished or partial), so its metric window
     * still holds minutes from before that rollback and rolling back again would walk back too far.
     * Any other recent change (a deploy, a move to LATEST, an undo) does not count: it is often what
     * broke the service, and this incident, once skipped, is never delivered again.
     */
    private Optional<String> answered(Request req) {
        Notification n = req.notification();
        List<JournalRecord> history = journal.history();
        Instant now = clock.instant();
        // Read at most once, and only for a traffic step still journaled as only planned.
        Supplier<ServiceState> service = memoize(() -> control.service(req.service()));
        Optional<JournalRecord> same = Journal.newest(history, r -> n.id().equals(r.incident())
                && acted(r, now, service));
        if (same.isPresent()) {
            JournalRecord r = same.get();
            return Optional.of("incident " + n.id() + " was already handled by step " + r.id() + " at "
                    + r.time().truncatedTo(ChronoUnit.SECONDS) + " (" + r.command() + ", " + r.state() + ")");
        }
        Duration quiet = req.triggers().window().plus(req.triggers().sustain());
        Instant since = now.minus(quiet);
        return Journal.newest(history, r -> (r.changed() || servesAsAsked(r, service)) && QuickRollback.rollsBack(r)
                        && req.service().path().equals(r.target()) && r.time().isAfter(since))
                .map(r -> req.service().name() + " was rolled back at " + r.time().truncatedTo(ChronoUnit.SECONDS)
                        + " by " + r.user() + " (" + r.command() + ", journal " + r.id() + "), within triggers.window + sustain ("
                        + Durations.format(quiet) + "): the metrics still hold minutes from before it, so "
                        + n.label() + " is not acted on again");
    }

    /**
     * A step that did something (or may have): not one refused or stopped before it sent anything, nor
     * one still only planned after a lock's lease whose change is not in effect — its responder died
     * before sending, or while sending, which the pipeline finds in flight (it waits for that change
     * rather than sending it again). A step only planned whose change the service does serve was sent
     * and finished, its "applied" record lost (its responder killed before journaling it, or its record
     * kept on an instance that is gone): running it again would roll back from the revision it rolled
     * back to. A notice only planned never counts: sending it twice is harmless, not sending it is not.
     */
    private static boolean acted(JournalRecord r, Instant now, Supplier<ServiceState> service) {
        if (r.changed()) {
            return true;
        }
        return switch (r.state()) {
            case failed, interrupted -> false;
            case planned -> !NOTICE.equals(r.kind()) && (r.time().isAfter(now.minus(ServiceLocks.LEASE))
                    || servesAsAsked(r, service));
            default -> true;
        };
    }

    /** {@code r} is a service step only planned, and the service serves the traffic it asked for. */
    private static boolean servesAsAsked(JournalRecord r, Supplier<ServiceState> service) {
        return r.state() == JournalRecord.State.planned && ServiceSteps.KINDS.contains(r.kind())
                && ServiceSteps.asksTraffic(r, service.get().traffic());
    }

    private static <T> Supplier<T> memoize(Supplier<T> read) {
        List<T> once = new java.util.ArrayList<>(1);
        return () -> {
            if (once.isEmpty()) {
                once.add(read.get());
            }
            return once.get(0);
        };
    }

    /**
     * A matrix row whose action is a rollback to do now ("immediate rollback", "quick rollback"); one
     * that asks for judgement first ("evaluate then rollback") or none ("monitor and hotfix") is not.
     */
    static boolean rollsBack(Assessment a) {
        return a.action() != null && ROLLS_BACK.matcher(a.action()).matches()
                && !THINK_FIRST.matcher(a.action()).matches();
    }

    /** "5xx 0.3% ≤ 20.0%, P95 311ms ≤ 5s". */
    private static String calm(Assessment a, Runbook.Triggers t) {
        String rate = "5xx " + Assessment.percent(a.errorRate()) + " ≤ " + Assessment.percent(t.errorRate());
        Double p95 = a.sample().p95Ms();
        return p95 == null ? rate : rate + ", P95 " + Durations.format(Duration.ofMillis(Math.round(p95))) + " ≤ "
                + Durations.format(t.p95Latency());
    }

    private static Result skipped(Notification n, String why) {
        return new Result(Action.skipped, why, n.id(), null);
    }
}

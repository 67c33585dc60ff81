package dev.virtuoso.rollback.watch;

import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.verification.Assessment;
import dev.virtuoso.rollback.verification.Verification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * "Automated Rollback": judge the triggers every interval; with {@code auto}, once a trigger
 * has held for the runbook's {@code sustain}, roll back to the previous revision — once per run —
 * and keep watching what that did.
 *
 * <p>What is judged is the revision serving the most traffic now, by its own metrics: right after
 * a rollback the service's window still holds the bad revision's minutes, and judging the whole
 * service would roll a healthy revision back again. For the same reason a service changed within
 * {@code window + sustain} (the journal says so, whichever process did it) is never rolled back
 * automatically: a restarted watch cannot act twice.
 */
public final class Watch {
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    public record Request(ServiceRef service, Duration interval, Optional<Duration> duration, boolean auto,
                          Runbook.Triggers triggers, List<Runbook.DecisionRow> matrix) {
        public Request {
            if (interval.compareTo(MIN_INTERVAL) < 0) {
                throw RunbookException.invalid("--interval must be at least " + Durations.format(MIN_INTERVAL)
                        + ", not " + Durations.format(interval) + " (Cloud Monitoring has one point a minute)");
            }
            if (duration.isPresent() && (duration.get().isZero() || duration.get().isNegative())) {
                throw RunbookException.invalid("--for must be a positive duration, not "
                        + Durations.format(duration.get()));
            }
        }
    }

    public record Result(int evaluations, Assessment last, ActionResult rollback, List<String> log) {
        public boolean firing() {
            return last != null && last.fired();
        }
    }

    private final Verification verification;
    private final ServiceControl control;
    private final Journal journal;
    private final BiFunction<ServiceState, String, ActionResult> rollback;
    private final Interaction ui;
    private final Clock clock;
    /** Times as the person watching reads a clock: theirs (the clock's zone, from TZ), to the second. */
    private final DateTimeFormatter local;
    private final Wait wait;

    /**
     * {@code rollback} performs `quick --previous` through the {@link ChangePipeline} (journaled,
     * notified, verified), given the service as this watch last saw it: it must refuse (exit 5) when
     * the service is no longer that, since the trigger was judged on what served then. It is also
     * given the trigger that fired, in words, as the reason to journal and notify.
     */
    public Watch(Verification verification, ServiceControl control, Journal journal,
                 BiFunction<ServiceState, String, ActionResult> rollback,
                 Interaction ui, Wait wait) {
        this.verification = verification;
        this.control = control;
        this.journal = journal;
        this.rollback = rollback;
        this.ui = ui;
        this.clock = wait.clock();
        this.local = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss z", Locale.ROOT).withZone(clock.getZone());
        this.wait = wait;
    }

    public Result run(Request req) {
        Instant start = clock.instant();
        Duration sustain = req.triggers().sustain();
        List<String> log = new ArrayList<>();
        Instant firingSince = null;
        ServiceState judged = null;
        ActionResult done = null;
        String refused = null;
        Assessment last;
        int n = 0;
        while (true) {
            ServiceState look = control.service(req.service());
            Optional<String> serving = look.servingRevision();
            if (judged == null || !ServiceState.sameEntries(look.traffic(), judged.traffic())
                    || !serving.equals(judged.servingRevision())) {
                // The traffic changed, or another revision serves (a deploy through LATEST), by anyone,
                // journaled or not: a trigger's streak belongs to what it was judged on, so it starts again.
                firingSince = null;
                judged = look;
            }
            last = verification.assess(new Verification.MetricRequest(req.service(), serving, req.triggers(),
                    req.matrix()));
            n++;
            Instant now = clock.instant();
            firingSince = last.fired() ? (firingSince == null ? now : firingSince) : null;
            String line = local.format(now) + "  " + serving.orElse("(no revision serves)") + "  " + line(last)
                    + (firingSince == null ? "" : "  (firing for " + Durations.format(Duration.between(firingSince, now))
                    + ")");
            log.add(line);
            ui.info(line);
            if (req.auto() && firingSince != null && Duration.between(firingSince, now).compareTo(sustain) >= 0) {
                // Read the journal only when it can matter.
                Optional<JournalRecord> recent = done == null ? recentChange(req, now) : Optional.empty();
                if (done != null) {
                    ui.info("  already " + (done.outcome() == ActionResult.Outcome.planned ? "planned" : "acted")
                            + " once in this run (" + describe(done) + "); not again");
                } else if (recent.isPresent()) {
                    JournalRecord r = recent.get();
                    ui.info("  not rolling back: " + req.service().name() + " was changed at " + local.format(r.time()) + " by "
                            + r.user() + " (" + r.command() + ", journal " + r.id() + "); the metric window still holds "
                            + "minutes from before that, so nothing is done automatically until "
                            + local.format(r.time().plus(req.triggers().window()).plus(sustain)));
                } else if (look.applying()) {
                    // Someone's change is landing: rolling back now would replace it before it is in effect.
                    ui.info("  not rolling back: " + req.service().name() + " is still applying a change ("
                            + look.applyingText() + "); watching what serves once it lands");
                    judged = null;
                } else if (refused == null) {
                    ui.info("  trigger held for " + Durations.format(sustain) + ": rolling back to the previous revision");
                    try {
                        done = rollback.apply(look, "trigger held for " + Durations.format(sustain) + " on "
                                + serving.orElse("(no revision serves)") + ": " + reading(last));
                        log.add(local.format(now) + "  " + describe(done));
                        ui.info("  " + describe(done) + (done.outcome() == ActionResult.Outcome.applied
                                ? "; watching the outcome (" + Assessment.LAG_NOTE + ")" : ""));
                    } catch (RunbookException e) {
                        log.add(local.format(now) + "  not rolled back: " + e.getMessage());
                        if (e.exitCode() == ExitCode.CONFLICT) {
                            // Someone changed the service since this watch looked: their change stands, and
                            // what serves now is judged afresh, its streak from zero.
                            ui.info("  not rolling back: " + e.getMessage() + "; watching what serves now");
                            judged = null;
                        } else if (e.exitCode() == ExitCode.INVALID_INPUT) {
                            // Nothing to roll back to (or not safely): say so once, keep watching, never retry blindly.
                            refused = e.getMessage();
                            ui.info("  not rolling back: " + refused + "; nothing was changed");
                        } else {
                            throw e;
                        }
                    }
                }
            }
            Duration elapsed = Duration.between(start, clock.instant());
            if (req.duration().isPresent() && elapsed.plus(req.interval()).compareTo(req.duration().get()) > 0) {
                return new Result(n, last, done, log);
            }
            wait.pause(req.interval(), "watching " + req.service().name());
        }
    }

    /**
     * The newest change to this service within {@code window + sustain}, by anyone and of any kind
     * (traffic, image, git): each changes what serves, so the window holds minutes from before it.
     * Any change, not only a rollback as for `respond`: a watch only waits it out and still rolls back
     * afterwards if the trigger keeps firing, where a skipped incident is never delivered again.
     */
    private Optional<JournalRecord> recentChange(Request req, Instant now) {
        Instant since = now.minus(req.triggers().window()).minus(req.triggers().sustain());
        return journal.newest(r -> r.changed() && req.service().path().equals(r.target()) && r.time().isAfter(since));
    }

    private static String describe(ActionResult r) {
        return switch (r.outcome()) {
            case applied -> "rolled back: " + r.summary() + " (journal " + r.journalId() + ")";
            // A dry run: the summary says so and that nothing changed.
            case planned -> r.summary();
            case unchanged -> "nothing to roll back: " + r.summary();
            case skipped -> "not rolled back: " + r.summary();
        };
    }

    private static String line(Assessment a) {
        return (a.fired() ? "FIRING " : a.severity() == null ? "n/a    " : "ok     ") + reading(a);
    }

    /** What the metrics read and what the decision matrix recommends. */
    private static String reading(Assessment a) {
        MetricSample s = a.sample();
        String rate = a.errorRate() == null ? "-" : Assessment.percent(a.errorRate());
        String p95 = s.p95Ms() == null ? "-" : Durations.format(Duration.ofMillis(Math.round(s.p95Ms())));
        return "5xx " + rate + " of " + s.requests() + ", P95 " + p95 + " — " + a.recommendation();
    }
}

package dev.virtuoso.rollback.runbook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * "Automated Rollback": judge the triggers every interval; with {@code auto}, once a trigger
 * has held for the runbook's {@code sustain}, roll back to the previous revision — exactly
 * once per run — and keep watching what that did.
 */
public final class Watch {
    public record Request(Duration interval, Optional<Duration> duration, boolean auto,
                          Verification.MetricRequest metrics) {
    }

    public record Result(int evaluations, Assessment last, ActionResult rollback, List<String> log) {
        public boolean firing() {
            return last != null && last.fired();
        }
    }

    private final Verification verification;
    private final Supplier<ActionResult> rollback;
    private final Interaction ui;
    private final Clock clock;
    private final Sleeper sleeper;

    /** {@code rollback} performs `quick --previous` through the executor (journaled, notified, verified). */
    public Watch(Verification verification, Supplier<ActionResult> rollback, Interaction ui, Clock clock, Sleeper sleeper) {
        this.verification = verification;
        this.rollback = rollback;
        this.ui = ui;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public Result run(Request req) {
        Instant start = clock.instant();
        Duration sustain = req.metrics().triggers().sustain();
        List<String> log = new ArrayList<>();
        Instant firingSince = null;
        ActionResult done = null;
        Assessment last = null;
        int n = 0;
        while (true) {
            last = verification.assess(req.metrics());
            n++;
            Instant now = clock.instant();
            firingSince = last.fired() ? (firingSince == null ? now : firingSince) : null;
            String line = now + "  " + line(last) + (firingSince == null ? ""
                    : "  (firing for " + Durations.format(Duration.between(firingSince, now)) + ")");
            log.add(line);
            ui.info(line);
            if (req.auto() && firingSince != null) {
                if (done != null) {
                    ui.info("  already rolled back once in this run (" + done.journalId() + "); not acting again");
                } else if (Duration.between(firingSince, now).compareTo(sustain) >= 0) {
                    ui.info("  trigger held for " + Durations.format(sustain) + ": rolling back to the previous revision");
                    done = rollback.get();
                    log.add(now + "  rolled back: " + done.summary() + " (" + done.journalId() + ")");
                    ui.info("  " + done.summary() + "; watching the outcome (" + Assessment.LAG_NOTE + ")");
                }
            }
            Duration elapsed = Duration.between(start, clock.instant());
            if (req.duration().isPresent() && elapsed.plus(req.interval()).compareTo(req.duration().get()) > 0) {
                return new Result(n, last, done, log);
            }
            try {
                sleeper.sleep(req.interval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunbookException(ExitCode.INTERRUPTED, "watch interrupted");
            }
        }
    }

    private static String line(Assessment a) {
        MetricSample s = a.sample();
        String rate = a.errorRate() == null ? "-" : Assessment.percent(a.errorRate());
        String p95 = s.p95Ms() == null ? "-" : Durations.format(Duration.ofMillis(Math.round(s.p95Ms())));
        return (a.fired() ? "FIRING " : a.severity() == null ? "n/a    " : "ok     ") + "5xx " + rate + " of "
                + s.requests() + ", P95 " + p95 + " — " + a.recommendation();
    }
}

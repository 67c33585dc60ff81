package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The one path every traffic change takes: plan → confirm → journal → re-read and compare →
 * apply → wait until really in effect → verify → summary (SPEC 3 and 7).
 */
public final class TrafficExecutor {
    public static final String KIND = "traffic";
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

    public TrafficExecutor(ServiceControl control, Journal journal, Interaction ui, Verifier verifier,
                           Notifier notifier, Clock clock, String user) {
        this.control = control;
        this.journal = journal;
        this.ui = ui;
        this.verifier = verifier;
        this.notifier = notifier;
        this.clock = clock;
        this.user = user;
    }

    public ActionResult execute(Plan plan, boolean dryRun, Optional<VerifyRequest> verify) {
        Instant start = clock.instant();
        ServiceState before = plan.before();
        if (plan.unchanged()) {
            return result(plan, ActionResult.Outcome.unchanged, plan.unchangedReason(), before.traffic(), null, start, null);
        }
        if (dryRun) {
            ui.showPlan(plan);
            return result(plan, ActionResult.Outcome.planned, "dry run: " + plan.summary() + " (nothing changed)",
                    plan.after(), null, start, null);
        }
        ui.confirm(plan);
        start = clock.instant(); // the time it took starts after the human said yes
        JournalRecord record = new JournalRecord(newId(start), start, user, plan.command(), plan.service().path(),
                KIND, json(before.traffic()), json(plan.after()), JournalRecord.State.planned, plan.summary());
        journal.append(record);
        Notifier.Incident incident = notifier.open("rollback " + plan.command() + " on " + plan.service() + " by "
                + user + ": " + plan.summary() + " (journal " + record.id() + ")");
        ServiceState after;
        try {
            // The adapter re-reads and compares etag/generation immediately before it applies.
            after = control.updateTraffic(before, plan.after(), ui.progress());
        } catch (RuntimeException e) {
            journal.append(record.next(clock.instant(), JournalRecord.State.failed, null, e.getMessage()));
            incident.post("✗ failed, traffic unchanged or partly applied — check `rollback status`: " + e.getMessage());
            throw e;
        }
        record = record.next(clock.instant(), JournalRecord.State.applied, json(after.traffic()), plan.summary());
        journal.append(record);
        VerifyReport report = verify.map(verifier::verify).orElse(null);
        if (report != null) {
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
        return result(plan, ActionResult.Outcome.applied, plan.summary(), after.traffic(), record.id(), start, report);
    }

    private ActionResult result(Plan plan, ActionResult.Outcome outcome, String summary, List<TrafficEntry> after,
                                String journalId, Instant start, VerifyReport report) {
        return new ActionResult(plan.command(), plan.service().path(), outcome, summary, plan.before().traffic(),
                after, journalId, Duration.between(start, clock.instant()).toMillis(), report,
                outcome == ActionResult.Outcome.unchanged ? List.of() : plan.notes());
    }

    private static JsonNode json(List<TrafficEntry> traffic) {
        return JSON.valueToTree(traffic);
    }

    static String newId(Instant at) {
        byte[] b = new byte[2];
        RANDOM.nextBytes(b);
        return ID_TIME.format(at) + "-" + HexFormat.of().formatHex(b);
    }
}

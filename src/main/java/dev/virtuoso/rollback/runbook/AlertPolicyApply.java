package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.Optional;

/** `alert-policy --apply`: create or update by display name; a second apply changes nothing. */
public final class AlertPolicyApply {
    public static final String KIND = "alert-policy";
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    public record Result(ActionResult.Outcome outcome, String summary, AlertPolicySpec policy, String journalId) {
    }

    private final AlertPolicies policies;
    private final Journal journal;
    private final Interaction ui;
    private final Notifier notifier;
    private final Clock clock;
    private final String user;
    private final boolean dryRun;

    public AlertPolicyApply(AlertPolicies policies, Journal journal, Interaction ui, Notifier notifier, Clock clock,
                            String user, boolean dryRun) {
        this.policies = policies;
        this.journal = journal;
        this.ui = ui;
        this.notifier = notifier;
        this.clock = clock;
        this.user = user;
        this.dryRun = dryRun;
    }

    public Result apply(String project, AlertPolicySpec desired) {
        Optional<AlertPolicySpec> existing = policies.find(project, desired.displayName());
        if (existing.isPresent() && existing.get().sameAs(desired)) {
            return new Result(ActionResult.Outcome.unchanged, "alert policy \"" + desired.displayName()
                    + "\" is already as the runbook says", existing.get(), null);
        }
        String summary = existing.map(e -> "update alert policy \"" + desired.displayName() + "\" (" + e.name() + "): "
                + e.conditionName() + " → " + desired.conditionName())
                .orElse("create alert policy \"" + desired.displayName() + "\": " + desired.conditionName());
        ui.info("Plan for projects/" + project + ": " + summary);
        if (dryRun) {
            return new Result(ActionResult.Outcome.planned, "dry run: " + summary + " (nothing changed)", desired, null);
        }
        journal.checkWritable();
        ui.confirm("Apply this change to project " + project + "?");
        JournalRecord record = new JournalRecord(TrafficExecutor.newId(clock.instant()), clock.instant(), user,
                "alert-policy", "projects/" + project + "/alertPolicies/" + desired.displayName(), KIND,
                existing.<com.fasterxml.jackson.databind.JsonNode>map(JSON::valueToTree).orElse(null), JSON.valueToTree(desired),
                JournalRecord.State.planned, summary);
        journal.append(record);
        Notifier.Incident incident = notifier.open("rollback alert-policy in projects/" + project + " by " + user + ": "
                + summary);
        AlertPolicySpec written;
        try {
            written = existing.isPresent() ? policies.update(desired.named(existing.get().name()))
                    : policies.create(project, desired);
        } catch (RuntimeException e) {
            journal.append(record.next(clock.instant(), JournalRecord.State.failed, null, e.getMessage()));
            incident.post("✗ failed: " + e.getMessage());
            throw e;
        }
        incident.post("✓ applied: " + written.name());
        journal.append(record.next(clock.instant(), JournalRecord.State.applied, JSON.valueToTree(written), summary));
        return new Result(ActionResult.Outcome.applied, summary, written, record.id());
    }
}

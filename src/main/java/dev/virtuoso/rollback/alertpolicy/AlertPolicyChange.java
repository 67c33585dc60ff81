package dev.virtuoso.rollback.alertpolicy;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.model.AlertPolicySpec;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.AlertPolicies;
import dev.virtuoso.rollback.port.Progress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The Cloud Monitoring alert policy "Auto Rollback on High Error Rate", by display name: created,
 * updated to what the runbook says, or — undoing a creation — deleted. A second apply changes
 * nothing. Never in flight: create, update and delete answer at once. Its state is the policy itself;
 * none (null) when there is no policy.
 */
public final class AlertPolicyChange implements Change<AlertPolicySpec> {
    public static final String KIND = "alert-policy";

    private final String project;
    private final String displayName;
    private final Optional<AlertPolicySpec> now;
    private final Optional<AlertPolicySpec> wanted;
    private final AlertPolicies policies;
    private final String command;

    /** {@code wanted} empty: the policy is to be deleted. */
    public AlertPolicyChange(String project, String displayName, Optional<AlertPolicySpec> now,
                             Optional<AlertPolicySpec> wanted, AlertPolicies policies, String command) {
        this.project = project;
        this.displayName = displayName;
        this.now = now;
        this.wanted = wanted;
        this.policies = policies;
        this.command = command;
    }

    /** `alert-policy --apply`: the policy as the runbook says, read from the project first. */
    public static AlertPolicyChange apply(String project, AlertPolicySpec desired, AlertPolicies policies) {
        return new AlertPolicyChange(project, desired.displayName(), policies.find(project, desired.displayName()),
                Optional.of(desired), policies, "alert-policy --apply");
    }

    /** Undo of {@code record}: the policy as it was before it (none: it was created, so delete it). */
    public static AlertPolicyChange undo(JournalRecord record, String command, AlertPolicies policies) {
        AlertPolicySpec asked = spec(record, record.after()).orElseThrow(() -> RunbookException.invalid("journal record "
                + record.id() + " holds no alert policy"));
        String project = record.target().split("/")[1];
        return new AlertPolicyChange(project, asked.displayName(), policies.find(project, asked.displayName()),
                spec(record, record.before()), policies, command);
    }

    /** The policy now, when it is not what {@code record} left (edited in the console, deleted, created again). */
    public static Optional<String> laterChange(JournalRecord record, AlertPolicies policies) {
        Optional<AlertPolicySpec> left = spec(record, record.after());
        String displayName = left.or(() -> spec(record, record.before())).map(AlertPolicySpec::displayName)
                .orElse(AlertPolicySpec.DISPLAY_NAME);
        Optional<AlertPolicySpec> now = policies.find(record.target().split("/")[1], displayName);
        boolean same = left.map(l -> now.isPresent() && now.get().sameAs(l)).orElse(now.isEmpty());
        return same ? Optional.empty() : Optional.of("alert policy \"" + displayName + "\" changed after it: "
                + now.map(p -> "it is now " + p.conditionName() + (left.isEmpty() ? "" : " (the step left "
                        + left.get().conditionName() + ")")).orElse("it was deleted"));
    }

    @Override
    public About about() {
        return About.of(KIND, command, "projects/" + project + "/alertPolicies/" + displayName, "projects/" + project,
                        summary())
                .withNotes(wanted.isPresent() ? List.of("a policy only notifies: pair it with `rollback watch --auto`")
                        : List.of())
                .withChange(now.map(AlertPolicySpec::conditionName).orElse(null),
                        wanted.map(AlertPolicySpec::conditionName).orElse(null))
                .withUnchangedReason(unchangedReason());
    }

    @Override
    public Class<AlertPolicySpec> stateType() {
        return AlertPolicySpec.class;
    }

    private String summary() {
        String name = "alert policy \"" + displayName + "\"";
        if (wanted.isEmpty()) {
            return "delete " + name + now.map(p -> " (" + p.name() + ")").orElse("");
        }
        return now.map(e -> "update " + name + " (" + e.name() + "): " + e.conditionName() + " → "
                + wanted.get().conditionName()).orElse("create " + name + ": " + wanted.get().conditionName());
    }

    @Override
    public List<Block> preview() {
        return List.of(new Lines("policy now", List.of(describe(now))), new Lines("policy after", List.of(describe(wanted))));
    }

    @Override
    public List<Block> shown(AlertPolicySpec applied) {
        return List.of(new Lines("policy", List.of(Optional.ofNullable(applied)
                .map(p -> p.name() + ": " + describe(Optional.of(p)))
                .orElse("none"))));
    }

    private static String describe(Optional<AlertPolicySpec> p) {
        return p.map(s -> s.conditionName() + (s.channels().isEmpty() ? "" : ", notifies " + s.channels())).orElse("none");
    }

    private String unchangedReason() {
        if (wanted.isEmpty()) {
            return now.isEmpty() ? "there is no alert policy \"" + displayName + "\"" : null;
        }
        return now.isPresent() && now.get().sameAs(wanted.get())
                ? "alert policy \"" + displayName + "\" is already as the runbook says" : null;
    }

    @Override
    public AlertPolicySpec before() {
        return now.orElse(null);
    }

    @Override
    public AlertPolicySpec asked() {
        return wanted.orElse(null);
    }

    /** The policy was created, changed or deleted since the plan read it: applying would overwrite that. */
    @Override
    public void checkUnchangedSincePlan() {
        Optional<AlertPolicySpec> current = policies.find(project, displayName);
        boolean same = now.map(n -> current.isPresent() && current.get().sameAs(n)).orElse(current.isEmpty());
        if (!same) {
            throw new RunbookException(ExitCode.CONFLICT, "alert policy \"" + displayName + "\" changed since the "
                    + "plan was made (it is now " + current.map(AlertPolicySpec::conditionName).orElse("deleted")
                    + "); nothing was changed: run the command again to plan afresh");
        }
    }

    @Override
    public AlertPolicySpec apply(Duration limit, Progress progress) {
        if (wanted.isEmpty()) {
            policies.delete(now.orElseThrow().name());
            return null;
        }
        return now.isPresent() ? policies.update(wanted.get().named(now.get().name()))
                : policies.create(project, wanted.get());
    }

    @Override
    public Truth<AlertPolicySpec> truth(Duration within) {
        try {
            Optional<AlertPolicySpec> found = policies.find(project, displayName);
            boolean done = wanted.map(w -> found.isPresent() && found.get().sameAs(w)).orElse(found.isEmpty());
            return new Truth<>(true, done, done, null, null, found.orElse(null));
        } catch (RuntimeException e) {
            return Truth.unreadable();
        }
    }

    private static Optional<AlertPolicySpec> spec(JournalRecord record, com.fasterxml.jackson.databind.JsonNode node) {
        return JournalStates.readHeld(record, node, AlertPolicySpec.class, "alert policy");
    }
}

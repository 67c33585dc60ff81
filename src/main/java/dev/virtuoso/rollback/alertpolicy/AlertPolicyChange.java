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
    /** A Pub/Sub topic with no notification channel yet: one is created, then the policy notifies it too. */
    private final String newTopic;
    /** The channel this change created for {@link #newTopic}, once it has. */
    private volatile String created;

    /** {@code wanted} empty: the policy is to be deleted. */
    public AlertPolicyChange(String project, String displayName, Optional<AlertPolicySpec> now,
                             Optional<AlertPolicySpec> wanted, AlertPolicies policies, String command) {
        this(project, displayName, now, wanted, policies, command, null);
    }

    private AlertPolicyChange(String project, String displayName, Optional<AlertPolicySpec> now,
                              Optional<AlertPolicySpec> wanted, AlertPolicies policies, String command, String newTopic) {
        this.project = project;
        this.displayName = displayName;
        this.now = now;
        this.wanted = wanted;
        this.policies = policies;
        this.command = command;
        this.newTopic = newTopic;
    }

    /**
     * `alert-policy --apply`: the policy as the runbook says, read from the project first; with a Pub/Sub
     * {@code topic} (projects/P/topics/T), also notifying it through a notification channel of type pubsub:
     * the project's own when it has one for that topic, else one this change creates (once: a second apply
     * finds it).
     */
    public static AlertPolicyChange apply(String project, AlertPolicySpec desired, AlertPolicies policies,
                                          Optional<String> topic) {
        Optional<String> channel = topic.flatMap(t -> policies.pubSubChannel(project, t));
        return new AlertPolicyChange(project, desired.displayName(), policies.find(project, desired.displayName()),
                Optional.of(channel.map(desired::withChannel).orElse(desired)), policies, "alert-policy --apply",
                channel.isEmpty() ? topic.orElse(null) : null);
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
                .withNotes(notes())
                .withChange(now.map(AlertPolicySpec::conditionName).orElse(null),
                        wanted.map(AlertPolicySpec::conditionName).orElse(null))
                .withUnchangedReason(unchangedReason());
    }

    private List<String> notes() {
        if (wanted.isEmpty()) {
            return List.of();
        }
        String pair = "a policy only notifies: pair it with `rollback watch --auto`, or notify a Pub/Sub topic that "
                + "`rollback respond --serve` is pushed from (--pubsub-topic)";
        return newTopic == null ? List.of(pair) : List.of(pair, "Cloud Monitoring's service agent "
                + "(service-PROJECT_NUMBER@gcp-sa-monitoring-notification.iam.gserviceaccount.com) needs "
                + "roles/pubsub.publisher on " + newTopic + " to publish there");
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
        String channel = newTopic == null ? "" : ", notifying a new Pub/Sub notification channel for " + newTopic;
        return now.map(e -> "update " + name + " (" + e.name() + "): " + e.conditionName() + " → "
                + wanted.get().conditionName()).orElse("create " + name + ": " + wanted.get().conditionName()) + channel;
    }

    @Override
    public List<Block> preview() {
        List<Block> blocks = new java.util.ArrayList<>(List.of(new Lines("policy now", List.of(describe(now))),
                new Lines("policy after", List.of(describe(wanted)))));
        if (newTopic != null) {
            blocks.add(new Lines("new notification channel", List.of("type pubsub, topic " + newTopic)));
        }
        return blocks;
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
        return newTopic == null && now.isPresent() && now.get().sameAs(wanted.get())
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
        AlertPolicySpec target = wanted.get();
        if (newTopic != null) {
            // Looked up again: a channel someone created for the topic since the plan is used, not doubled.
            created = policies.pubSubChannel(project, newTopic).orElseGet(() -> policies.createPubSubChannel(project,
                    newTopic));
            target = target.withChannel(created);
        }
        return now.isPresent() ? policies.update(target.named(now.get().name())) : policies.create(project, target);
    }

    @Override
    public Truth<AlertPolicySpec> truth(Duration within) {
        try {
            Optional<AlertPolicySpec> found = policies.find(project, displayName);
            String channel = created;
            boolean done = wanted.map(w -> channel == null ? w : w.withChannel(channel))
                    .map(w -> found.isPresent() && found.get().sameAs(w)).orElse(found.isEmpty());
            return new Truth<>(true, done, done, null, null, found.orElse(null));
        } catch (RuntimeException e) {
            return Truth.unreadable();
        }
    }

    private static Optional<AlertPolicySpec> spec(JournalRecord record, com.fasterxml.jackson.databind.JsonNode node) {
        return JournalStates.readHeld(record, node, AlertPolicySpec.class, "alert policy");
    }
}

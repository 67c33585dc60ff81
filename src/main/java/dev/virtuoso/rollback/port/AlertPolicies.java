package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.AlertPolicySpec;
import java.util.Optional;

/** Port: Cloud Monitoring alert policies, by display name. */
public interface AlertPolicies {
    @ReadOnly
    Optional<AlertPolicySpec> find(String project, String displayName);

    @Mutating
    AlertPolicySpec create(String project, AlertPolicySpec spec);

    /** Replaces the policy named {@code spec.name()}. */
    @Mutating
    AlertPolicySpec update(AlertPolicySpec spec);

    /** Deletes the policy of that resource name (undo of a creation). */
    @Mutating
    void delete(String name);

    /**
     * The notification channel of type {@code pubsub} that publishes to {@code topic}
     * (projects/P/topics/T), by its resource name, if the project has one.
     */
    @ReadOnly
    Optional<String> pubSubChannel(String project, String topic);

    /** Creates a notification channel of type {@code pubsub} publishing to {@code topic}; returns its resource name. */
    @Mutating
    String createPubSubChannel(String project, String topic);
}

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
}

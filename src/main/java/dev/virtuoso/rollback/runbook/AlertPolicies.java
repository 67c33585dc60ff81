package dev.virtuoso.rollback.runbook;

import java.util.Optional;

/** Port: Cloud Monitoring alert policies, by display name. */
public interface AlertPolicies {
    Optional<AlertPolicySpec> find(String project, String displayName);

    AlertPolicySpec create(String project, AlertPolicySpec spec);

    /** Replaces the policy named {@code spec.name()}. */
    AlertPolicySpec update(AlertPolicySpec spec);
}

package dev.virtuoso.rollback.model;

import java.util.Optional;

/** The service a command acts on, after flags, environment, runbook and gcloud defaults are resolved. */
public record Target(ServiceRef service, Optional<String> url) {
}

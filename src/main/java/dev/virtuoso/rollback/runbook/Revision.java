package dev.virtuoso.rollback.runbook;

import java.time.Instant;

/** A Cloud Run revision as the tool needs it: what it ran, when, and whether it became Ready. */
public record Revision(String name, String service, boolean ready, String readyMessage, String image, Instant created) {
}

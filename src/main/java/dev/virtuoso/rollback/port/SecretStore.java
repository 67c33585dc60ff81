package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.Secret;
import java.time.Instant;
import java.util.List;

/**
 * Port: Secret Manager. Payloads never leave the adapter except as a {@link Secret}: a restore copies
 * one version's payload into a new version without the tool ever holding it.
 */
public interface SecretStore {
    /**
     * The newest ENABLED version's value. Not "latest": that is the newest version whatever
     * its state, and reading a disabled one fails.
     */
    @ReadOnly
    Secret newestEnabled(String project, String secret);

    /** The state of one version ({@code version} a number): never its value. */
    @ReadOnly
    VersionState state(String project, String secret, String version);

    /** Every version of {@code secret}, oldest first; exit 2 when there is no such secret. */
    @ReadOnly
    List<Version> versions(String project, String secret);

    /** True when the two versions hold the same payload (both must be ENABLED); the payloads are not returned. */
    @ReadOnly
    boolean samePayload(String project, String secret, String a, String b);

    /** Adds a new version holding the payload of version {@code from} (ENABLED); returns the new version's number. */
    @Mutating
    String addCopyOf(String project, String secret, String from);

    @Mutating
    void enable(String project, String secret, String version);

    @Mutating
    void disable(String project, String secret, String version);

    enum VersionState {
        ENABLED, DISABLED, DESTROYED, MISSING
    }

    /** One version: its number, state and when it was created (the newest created one is what "latest" reads). */
    record Version(String number, VersionState state, Instant created) {
        public boolean enabled() {
            return state == VersionState.ENABLED;
        }
    }
}

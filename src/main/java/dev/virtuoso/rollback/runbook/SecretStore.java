package dev.virtuoso.rollback.runbook;

/** Port: secret values (Secret Manager). */
public interface SecretStore {
    /**
     * The newest ENABLED version's value. Not "latest": that is the newest version whatever
     * its state, and reading a disabled one fails (GCP-NOTES, runbook bug 2).
     */
    Secret newestEnabled(String project, String secret);

    /** The state of one version ({@code version} a number): never its value. */
    VersionState state(String project, String secret, String version);

    enum VersionState {
        ENABLED, DISABLED, DESTROYED, MISSING
    }
}

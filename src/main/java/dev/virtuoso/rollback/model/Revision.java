package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.List;

/**
 * A Cloud Run revision as the tool needs it: what it ran, when, whether it became Ready, the
 * secrets it reads, and {@code config}, a fingerprint of its configuration apart from the image
 * (two revisions with the same fingerprint and image behave the same: one can stand for the other).
 */
public record Revision(String name, String service, boolean ready, String readyMessage, String image, Instant created,
                       List<SecretUse> secrets, Fingerprint config) {
    public Revision {
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
    }

    public Revision(String name, String service, boolean ready, String readyMessage, String image, Instant created) {
        this(name, service, ready, readyMessage, image, created, List.of(), null);
    }

    /**
     * Runs {@code image} with the configuration {@code config} (when known: null compares the image
     * alone). What a change asked for is in effect only where this holds, whatever the revision's name.
     */
    public boolean runs(String image, Fingerprint config) {
        return image != null && image.equals(this.image) && (config == null || config.equals(this.config));
    }

    /**
     * A secret a revision reads at {@code version} ("latest" or a number), as an environment
     * variable (read once, at instance start) or a volume (read on each file read).
     */
    public record SecretUse(String secret, String version, String where) {
        public boolean latest() {
            return "latest".equals(version);
        }
    }
}

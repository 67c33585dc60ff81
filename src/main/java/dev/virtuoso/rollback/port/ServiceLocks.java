package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.ServiceRef;
import java.util.Optional;

/**
 * Port: one command at a time changes a service. A lock is a lease: renewed while its holder works,
 * released at the end, and taken over by the next command once it has expired (its holder died).
 */
public interface ServiceLocks {
    /**
     * How long a lock lasts without renewal: a holder silent for longer has died, and so has any step it
     * journaled as planned and never finished.
     */
    java.time.Duration LEASE = java.time.Duration.ofMinutes(15);

    /**
     * Takes the lock of {@code service} for {@code command} (and why, when a reason was given),
     * waiting for another holder as long as this run was told to; exit 5 naming the holder when it
     * is still held then. {@code progress} hears the wait.
     */
    @Mutating
    Lease acquire(ServiceRef service, String command, String reason, Progress progress);

    /** A lock held, renewed in the background until released. */
    interface Lease {
        /** What was taken over (an expired lock of someone else's), to be journaled; empty when the lock was free. */
        @ReadOnly
        Optional<String> tookOver();

        /**
         * Whose lock this run waited for before it took it, or empty when it was free: that holder was
         * changing the service, so a plan made before the wait no longer starts from what is there.
         */
        @ReadOnly
        default Optional<String> waitedFor() {
            return Optional.empty();
        }

        /** Why this run no longer holds the lock (its renewal failed or someone took it), or empty while it does. */
        @ReadOnly
        Optional<String> lost();

        /**
         * Renews the lease now, and says why this run no longer holds the lock (someone else's lock is
         * in its place, or it expired), or empty while it does: the background renewal may not have
         * run since a laptop woke from sleep, so this is asked just before a change is sent.
         */
        @Mutating
        Optional<String> confirmHeld();

        /** Gives the lock back (only if still ours); a failure is a warning, the lease then just expires. */
        @Mutating
        void release();
    }

    /** A lease of nothing: with the local journal there is no one to share a lock with. */
    Lease NO_LEASE = new Lease() {
        @Override
        public Optional<String> tookOver() {
            return Optional.empty();
        }

        @Override
        public Optional<String> lost() {
            return Optional.empty();
        }

        @Override
        public Optional<String> confirmHeld() {
            return Optional.empty();
        }

        @Override
        public void release() {
        }
    };

    /** No locks: the local journal has no one to share them with. */
    ServiceLocks NONE = (service, command, reason, progress) -> NO_LEASE;
}

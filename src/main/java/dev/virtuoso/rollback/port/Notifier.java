package dev.virtuoso.rollback.port;

import java.nio.file.Path;

/** Port: tells people (Slack) what a mutating command is doing: one incident, its follow-ups after it. */
public interface Notifier {
    /** Posts the incident's first message. Never fails the caller: delivery problems are only warned about. */
    @Mutating
    Incident open(String text);

    /**
     * Waits a few seconds at most for everything posted so far; false when any of it was not delivered
     * (or is still on its way). For a run whose only purpose is the message, which must not report
     * success when nobody was told. Sends nothing itself: it only waits for what {@link #open} already sent.
     */
    @ReadOnly
    default boolean flush() {
        return true;
    }

    interface Incident {
        /** Reached only through {@link #open}, which a dry run refuses. */
        @Mutating
        void post(String text);

        /**
         * Shares {@code file} (the incident's chart) under the incident's first message, titled
         * {@code title}. A notifier that cannot share files (a webhook) leaves it out; like a post,
         * it never fails the caller.
         */
        @Mutating
        default void attach(Path file, String title) {
        }

        Incident NONE = text -> { };
    }

    Notifier NONE = text -> Incident.NONE;
}

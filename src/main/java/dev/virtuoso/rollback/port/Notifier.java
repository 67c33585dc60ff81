package dev.virtuoso.rollback.port;

/** Port: tells people (Slack) what a mutating command is doing: one incident, its follow-ups after it. */
public interface Notifier {
    /** Posts the incident's first message. Never fails the caller: delivery problems are only warned about. */
    @Mutating
    Incident open(String text);

    interface Incident {
        /** Reached only through {@link #open}, which a dry run refuses. */
        @Mutating
        void post(String text);

        Incident NONE = text -> { };
    }

    Notifier NONE = text -> Incident.NONE;
}

package dev.virtuoso.rollback.change;

import dev.virtuoso.rollback.port.Notifier;

/**
 * Keeps the incident record of a step beside the change and never in its way: {@link #start} and
 * {@link Recording#ended} return at once and never throw; the record is completed after the run's
 * output, within a bounded time, and what could not be gathered is a warning.
 */
public interface IncidentCapture {
    IncidentCapture NONE = (record, about, incident) -> Recording.NONE;

    /**
     * Starts recording the step journaled as {@code record} (its first, planned state); the chart,
     * once drawn, goes to {@code incident}, the step's notification thread.
     */
    Recording start(JournalRecord record, Change.About about, Notifier.Incident incident);

    /** One step's record being gathered. */
    interface Recording {
        Recording NONE = new Recording() {
            @Override
            public String where() {
                return null;
            }

            @Override
            public void ended() {
            }
        };

        /** Where the record is, as shown to the user; null when none is kept. */
        String where();

        /** The step has ended, however it ended: the record is refreshed to show what followed. */
        void ended();
    }
}

package dev.virtuoso.rollback.change;

/**
 * Keeps the incident record of a step while it runs, beside the change and never in its way:
 * {@link #start} returns at once, and {@link Recording#finish} takes a bounded time and never throws
 * (what could not be gathered is a warning).
 */
public interface IncidentCapture {
    IncidentCapture NONE = (record, about) -> Recording.NONE;

    /** Starts recording the step journaled as {@code record} (its first, planned state). */
    Recording start(JournalRecord record, Change.About about);

    /** One step's record being gathered. */
    interface Recording {
        Recording NONE = new Recording() {
            @Override
            public String where() {
                return null;
            }

            @Override
            public void finish() {
            }
        };

        /** Where the record is, as shown to the user; null when none is kept. */
        String where();

        /** Completes the record once the step has ended, within a bounded time. */
        void finish();

        /** The record's chart as a PNG file, once {@link #finish() finished}; empty when none was drawn. */
        default java.util.Optional<java.nio.file.Path> chart() {
            return java.util.Optional.empty();
        }
    }
}

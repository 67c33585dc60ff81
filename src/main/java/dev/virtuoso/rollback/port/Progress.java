package dev.virtuoso.rollback.port;

/** Port: tells the user what a long wait is waiting for. */
public interface Progress {
    /** Called repeatedly during a wait; the latest message replaces the previous one on a terminal. */
    void update(String message);

    /** Ends the current wait with a final line. */
    void done(String message);

    Progress NONE = new Progress() {
        @Override
        public void update(String message) {
        }

        @Override
        public void done(String message) {
        }
    };
}

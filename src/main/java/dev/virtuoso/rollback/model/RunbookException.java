package dev.virtuoso.rollback.model;

/** Any failure the user should see as one line, carrying the exit code it maps to. */
public class RunbookException extends RuntimeException {
    private final ExitCode exitCode;

    public RunbookException(ExitCode exitCode, String message) {
        this(exitCode, message, null);
    }

    public RunbookException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static RunbookException invalid(String message) {
        return new RunbookException(ExitCode.INVALID_INPUT, message);
    }

    /**
     * {@code e} as the one-line error it is: itself, or — an exception that no adapter translated —
     * a bug (exit 1) that says so.
     */
    public static RunbookException of(Throwable e) {
        return e instanceof RunbookException r ? r : new RunbookException(ExitCode.INTERNAL, "internal error: " + e
                + " (this is a bug; run with -e for the stack trace)", e);
    }
}

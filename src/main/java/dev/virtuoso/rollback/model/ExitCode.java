package dev.virtuoso.rollback.model;

/** The process exit codes, in one place: users and CI pipelines rely on each meaning. */
public enum ExitCode {
    OK(0),
    INTERNAL(1),
    INVALID_INPUT(2),
    VERIFICATION_FAILED(3),
    API_FAILURE(4),
    CONFLICT(5),
    INTERRUPTED(130);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}

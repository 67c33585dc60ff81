package dev.virtuoso.rollback.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.model.Verdict;

/**
 * The outcome of one check (its JSON fields, fixed for tooling: name, kind, verdict, status, latencyMs, detail).
 * {@code cause} is not among them (the detail says it in words): it tells a verdict about the service
 * from a check that could not judge it, which `verify` answers with another exit code.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckResult(String name, String kind, Verdict verdict, Integer status, long latencyMs, String detail,
                          @JsonIgnore Cause cause) {
    public enum Cause {
        /** The verdict is about the service: it answered, or its metrics were judged (or too few to judge). */
        JUDGED,
        /** Failed without reaching the service: nothing of the request was written (unknown host, refused...). */
        UNREACHABLE,
        /** Asked for and not run: the API key is not available, none is configured. */
        NOT_RUN
    }

    public CheckResult(String name, String kind, Verdict verdict, Integer status, long latencyMs, String detail) {
        this(name, kind, verdict, status, latencyMs, detail, Cause.JUDGED);
    }

    /** A check that was asked for and could not be run, and why. */
    public static CheckResult notRun(String name, String kind, String why) {
        return new CheckResult(name, kind, Verdict.INCONCLUSIVE, null, 0, why, Cause.NOT_RUN);
    }

    /** The same check under another name (and the same cause). */
    public CheckResult named(String newName) {
        return new CheckResult(newName, kind, verdict, status, latencyMs, detail, cause);
    }
}

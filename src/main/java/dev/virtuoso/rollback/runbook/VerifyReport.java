package dev.virtuoso.rollback.runbook;

import java.util.List;

/** All checks of one verification; ok when none failed. */
public record VerifyReport(String url, long durationMs, List<CheckResult> checks) {
    /**
     * What `verify` concludes from its checks, the first that holds in this order: a check failed
     * on the service's own answer or metrics (it is broken, whatever else happened); a check could
     * not reach it (the network, not the service); a check asked for could not run (or none was
     * asked for); nothing failed but not every check judged (metrics with too little traffic);
     * every check passed.
     */
    public enum Conclusion {
        FAILED(ExitCode.VERIFICATION_FAILED),
        UNREACHABLE(ExitCode.API_FAILURE),
        NOT_RUN(ExitCode.INVALID_INPUT),
        INCONCLUSIVE(ExitCode.OK),
        PASSED(ExitCode.OK);

        private final ExitCode exitCode;

        Conclusion(ExitCode exitCode) {
            this.exitCode = exitCode;
        }

        /** {@code requireMetrics}: a pipeline that wants a verdict from the metrics fails without one (3). */
        public ExitCode exitCode(boolean requireMetrics) {
            return this == INCONCLUSIVE && requireMetrics ? ExitCode.VERIFICATION_FAILED : exitCode;
        }
    }

    public VerifyReport {
        checks = List.copyOf(checks);
    }

    public boolean ok() {
        return checks.stream().noneMatch(c -> c.verdict() == Verdict.FAIL);
    }

    public long count(Verdict verdict) {
        return checks.stream().filter(c -> c.verdict() == verdict).count();
    }

    public List<CheckResult> withCause(Verdict verdict, CheckResult.Cause cause) {
        return checks.stream().filter(c -> c.verdict() == verdict && c.cause() == cause).toList();
    }

    public Conclusion conclusion() {
        if (!withCause(Verdict.FAIL, CheckResult.Cause.JUDGED).isEmpty()) {
            return Conclusion.FAILED;
        }
        if (!withCause(Verdict.FAIL, CheckResult.Cause.UNREACHABLE).isEmpty()) {
            return Conclusion.UNREACHABLE;
        }
        if (checks.isEmpty() || !withCause(Verdict.INCONCLUSIVE, CheckResult.Cause.NOT_RUN).isEmpty()) {
            return Conclusion.NOT_RUN;
        }
        return count(Verdict.INCONCLUSIVE) > 0 ? Conclusion.INCONCLUSIVE : Conclusion.PASSED;
    }
}

package dev.virtuoso.rollback.model;

import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
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

    /** Why the checks did not pass, in one line, after {@link #conclusion}: null when they passed. */
    public String why() {
        return switch (conclusion()) {
            case PASSED -> null;
            case FAILED -> withCause(Verdict.FAIL, CheckResult.Cause.JUDGED).size() + " of " + checks.size()
                    + " checks failed: " + names(withCause(Verdict.FAIL, CheckResult.Cause.JUDGED));
            case UNREACHABLE -> unreachable(withCause(Verdict.FAIL, CheckResult.Cause.UNREACHABLE));
            case NOT_RUN -> checks.isEmpty() ? "no check to run"
                    : names(withCause(Verdict.INCONCLUSIVE, CheckResult.Cause.NOT_RUN)) + " could not run: "
                            + String.join("; ", withCause(Verdict.INCONCLUSIVE, CheckResult.Cause.NOT_RUN).stream()
                                    .map(CheckResult::detail).distinct().toList());
            case INCONCLUSIVE -> "too little traffic to judge " + names(withCause(Verdict.INCONCLUSIVE,
                    CheckResult.Cause.JUDGED));
        };
    }

    private static String names(List<CheckResult> checks) {
        return String.join(", ", checks.stream().map(CheckResult::name).toList());
    }

    /** The checks share the URL, so mostly the reason: the first one's, and how many it stands for. */
    private static String unreachable(List<CheckResult> checks) {
        return checks.get(0).detail() + (checks.size() == 1 ? "" : " (" + checks.size() + " checks)");
    }
}

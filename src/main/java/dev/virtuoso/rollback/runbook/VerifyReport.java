package dev.virtuoso.rollback.runbook;

import java.util.List;

/** All checks of one verification; ok when none failed. */
public record VerifyReport(String url, long durationMs, List<CheckResult> checks) {
    public VerifyReport {
        checks = List.copyOf(checks);
    }

    public boolean ok() {
        return checks.stream().noneMatch(c -> c.verdict() == Verdict.FAIL);
    }

    public long count(Verdict verdict) {
        return checks.stream().filter(c -> c.verdict() == verdict).count();
    }
}

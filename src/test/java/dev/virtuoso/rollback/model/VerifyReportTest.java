package dev.virtuoso.rollback.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.model.CheckResult.Cause;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.VerifyReport.Conclusion;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyReportTest {
    private static final CheckResult PASSED = new CheckResult("/health", "health", Verdict.PASS, 200, 5, "HTTP 200");
    private static final CheckResult ANSWERED_503 = new CheckResult("/health/ready", "health", Verdict.FAIL, 503, 5,
            "HTTP 503 (expected 2xx)");
    private static final CheckResult UNKNOWN_HOST = new CheckResult("/health", "health", Verdict.FAIL, null, 1,
            "unknown host api.example.invalid: the name does not resolve", Cause.UNREACHABLE);
    private static final CheckResult NO_KEY = CheckResult.notRun("list commands", "functional",
            "API key not available");
    private static final CheckResult FEW_REQUESTS = new CheckResult("error rate", "metric", Verdict.INCONCLUSIVE,
            null, 0, "3 requests: inconclusive");

    private static Conclusion of(CheckResult... checks) {
        return report(checks).conclusion();
    }

    @Test
    void aCheckTheServiceFailedOutranksChecksThatCouldNotReachItOrRun() {
        assertThat(of(UNKNOWN_HOST, ANSWERED_503, NO_KEY, FEW_REQUESTS)).isEqualTo(Conclusion.FAILED);
        assertThat(Conclusion.FAILED.exitCode(false)).isEqualTo(ExitCode.VERIFICATION_FAILED);
    }

    @Test
    void checksThatCouldNotReachTheServiceAreANetworkFailureExit4EvenWhenOthersPassed() {
        assertThat(of(PASSED, UNKNOWN_HOST, NO_KEY)).isEqualTo(Conclusion.UNREACHABLE);
        assertThat(Conclusion.UNREACHABLE.exitCode(false)).isEqualTo(ExitCode.API_FAILURE);
    }

    @Test
    void aCheckAskedForThatCouldNotRunIsExit2EvenWhenEveryOtherPassed() {
        assertThat(of(PASSED, NO_KEY, FEW_REQUESTS)).isEqualTo(Conclusion.NOT_RUN);
        assertThat(Conclusion.NOT_RUN.exitCode(true)).isEqualTo(ExitCode.INVALID_INPUT);
    }

    @Test
    void noCheckAtAllIsNeverAPass() {
        assertThat(of()).isEqualTo(Conclusion.NOT_RUN);
    }

    @Test
    void metricsTooFewToJudgeAreInconclusiveExit0OrExit3WhenRequired() {
        assertThat(of(PASSED, FEW_REQUESTS)).isEqualTo(Conclusion.INCONCLUSIVE);
        assertThat(of(FEW_REQUESTS)).isEqualTo(Conclusion.INCONCLUSIVE);
        assertThat(Conclusion.INCONCLUSIVE.exitCode(false)).isEqualTo(ExitCode.OK);
        assertThat(Conclusion.INCONCLUSIVE.exitCode(true)).isEqualTo(ExitCode.VERIFICATION_FAILED);
    }

    @Test
    void passedOnlyWhenEveryCheckJudgedAndNoneFailed() {
        assertThat(of(PASSED, PASSED)).isEqualTo(Conclusion.PASSED);
        assertThat(Conclusion.PASSED.exitCode(true)).isEqualTo(ExitCode.OK);
    }

    @Test
    void theCauseIsNotAFieldOfTheJsonWhoseFieldsAreFixed() throws Exception {
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(UNKNOWN_HOST))
                .isEqualTo("{\"name\":\"/health\",\"kind\":\"health\",\"verdict\":\"fail\",\"latencyMs\":1,"
                        + "\"detail\":\"unknown host api.example.invalid: the name does not resolve\"}");
    }

    @Test
    void theReasonInOneLineNamesWhatDecidedTheConclusion() {
        assertThat(report(PASSED, ANSWERED_503, UNKNOWN_HOST).why()).isEqualTo("1 of 3 checks failed: /health/ready");
        assertThat(report(UNKNOWN_HOST, UNKNOWN_HOST.named("/health/ready")).why())
                .isEqualTo("unknown host api.example.invalid: the name does not resolve (2 checks)");
        assertThat(report(PASSED, NO_KEY, NO_KEY.named("execute command")).why())
                .isEqualTo("list commands, execute command could not run: API key not available");
        assertThat(report(PASSED, FEW_REQUESTS).why()).isEqualTo("too little traffic to judge error rate");
        assertThat(report(PASSED).why()).isNull();
    }

    private static VerifyReport report(CheckResult... checks) {
        return new VerifyReport("https://x", 1, List.of(checks));
    }
}

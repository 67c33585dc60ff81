package dev.virtuoso.rollback.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.adapter.http.HttpVerifier;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (issue: 20 checks of 300 ms each in under 1 s of verify time). Rerun alone with
 * {@code ./mvnw -B -q test -Dtest=VerifyConcurrencyBenchmarkTest}; it prints the verify time
 * against the sequential baseline (the sum of the checks' own latencies) of the same run.
 */
class VerifyConcurrencyBenchmarkTest {
    @Test
    void twentyChecksOfThreeHundredMillisecondsTakeUnderOneSecond() throws Exception {
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest r) {
                    return new MockResponse().setResponseCode(200).setHeadersDelay(300, TimeUnit.MILLISECONDS);
                }
            });
            server.start();
            List<Runbook.HttpCheck> checks = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                checks.add(Runbook.HttpCheck.get("/health/" + i));
            }
            HttpVerifier verifier = new HttpVerifier(new Wait(Clock.systemUTC(), d -> { }), new Secret.Registry());
            VerifyRequest req = new VerifyRequest(server.url("/").toString(),
                    new Runbook.Checks(Duration.ofSeconds(5), 2, checks, null), true, false, Optional.empty());
            verifier.verify(req); // warm-up: JIT, connection pool, thread start
            long best = Long.MAX_VALUE;
            long sequential = 0;
            for (int run = 0; run < 3; run++) {
                VerifyReport r = verifier.verify(req);
                assertThat(r.ok()).isTrue();
                best = Math.min(best, r.durationMs());
                sequential = r.checks().stream().mapToLong(CheckResult::latencyMs).sum();
            }
            System.out.printf("verify of 20 x 300 ms checks: %d ms (best of 3); sequential baseline %d ms; ratio %.2f%n",
                    best, sequential, (double) best / sequential);
            assertThat(best).isLessThan(1000);
        }
    }
}

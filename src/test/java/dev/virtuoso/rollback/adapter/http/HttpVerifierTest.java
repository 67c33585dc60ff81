package dev.virtuoso.rollback.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.SecretPieces;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.model.Verdict;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpVerifierTest {
    private MockWebServer server;
    private final List<Duration> slept = new ArrayList<>();
    private static final Secret KEY = new Secret("k-123-secret");
    private final Secret.Registry secrets = new Secret.Registry();
    private final HttpVerifier verifier = new HttpVerifier(new Wait(Clock.systemUTC(), slept::add), secrets);

    @BeforeEach
    void start() throws Exception {
        secrets.add(KEY);
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        verifier.close();
        server.shutdown();
    }

    private Runbook.Checks checks(List<Runbook.HttpCheck> functional) {
        return new Runbook.Checks(Duration.ofSeconds(2), 2, null, functional);
    }

    private String base() {
        return server.url("/").toString();
    }

    @Test
    void healthAndFunctionalChecksPassAndTheKeyIsSentAsHeader() throws Exception {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return new MockResponse().setResponseCode(200).setBody("{}");
            }
        });
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", true, "{\"args\": [\"test\"]}", 200, null);
        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(post)), true, true, Optional.of(KEY)));
        assertThat(r.ok()).isTrue();
        assertThat(r.checks()).extracting(CheckResult::name)
                .containsExactly("/health", "/health?detailed=true", "/health/ready", "execute");
        List<RecordedRequest> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(server.takeRequest(1, TimeUnit.SECONDS));
        }
        RecordedRequest exec = seen.stream().filter(q -> q.getPath().equals("/api/v1/x")).findFirst().orElseThrow();
        assertThat(exec.getMethod()).isEqualTo("POST");
        assertThat(exec.getHeader("X-API-Key")).isEqualTo("k-123-secret");
        assertThat(exec.getBody().readUtf8()).isEqualTo("{\"args\": [\"test\"]}");
        assertThat(seen.stream().filter(q -> q.getPath().startsWith("/health")))
                .allSatisfy(q -> assertThat(q.getHeader("X-API-Key")).isNull());
    }

    @Test
    void anHttpsUrlIsCheckedOverTlsAfterAPlainHttpOneWasCheckedWithoutIt() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(200));
        server.enqueue(new MockResponse().setResponseCode(200));
        server.enqueue(new MockResponse().setResponseCode(200));
        assertThat(verifier.verify(new VerifyRequest(base(), checks(List.of()), true, false, Optional.empty())).ok())
                .isTrue();
        try (java.net.ServerSocket tls = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.CompletableFuture<Integer> firstByte = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try (java.net.Socket s = tls.accept()) {
                            return s.getInputStream().read();
                        } catch (java.io.IOException e) {
                            return -1;
                        }
                    });
            VerifyReport r = verifier.verify(new VerifyRequest("https://127.0.0.1:" + tls.getLocalPort() + "/",
                    new Runbook.Checks(Duration.ofMillis(500), 0, null, List.of()), true, false, Optional.empty()));
            assertThat(firstByte.get(5, TimeUnit.SECONDS)).as("a TLS handshake record").isEqualTo(0x16);
            assertThat(r.ok()).isFalse();
        }
    }

    @Test
    void fiveHundredsAreRetriedWithBackoffFourHundredsAreNot() {
        server.enqueue(new MockResponse().setResponseCode(503));
        server.enqueue(new MockResponse().setResponseCode(200));
        var one = new Runbook.Checks(Duration.ofSeconds(2), 2, List.of(Runbook.HttpCheck.get("/health")), null);
        VerifyReport r = verifier.verify(new VerifyRequest(base(), one, true, false, Optional.empty()));
        assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.PASS);
        assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 200 after 2 attempts");
        assertThat(slept).containsExactly(Duration.ofMillis(200));

        server.enqueue(new MockResponse().setResponseCode(404).setBody("no such page"));
        slept.clear();
        r = verifier.verify(new VerifyRequest(base(), one, true, false, Optional.empty()));
        assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(r.checks().get(0).status()).isEqualTo(404);
        assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 404 (expected 2xx): no such page");
        assertThat(slept).isEmpty();
    }

    @Test
    void keyEchoedByTheServerIsRedactedFromTheDetail() {
        server.enqueue(new MockResponse().setResponseCode(401).setBody("bad key k-123-secret"));
        var auth = new Runbook.HttpCheck("list", null, "/api", true, null, null, null);
        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(auth)), false, true, Optional.of(KEY)));
        assertThat(r.checks().get(0).detail()).doesNotContain("k-123-secret").contains("[redacted]");
    }

    @Test
    void noPieceOfAKeyTheServerEchoesAtAnyOffsetIsInAnyDetail() {
        String key = "vk-demo-4f1c9e27b3d8a6052c1e";
        secrets.add(new Secret(key));
        server.setDispatcher(SecretPieces.echoing(key));
        List<Runbook.HttpCheck> health = new ArrayList<>();
        List<Runbook.HttpCheck> functional = new ArrayList<>();
        for (int offset = 0; offset < SecretPieces.OFFSETS; offset++) {
            health.add(Runbook.HttpCheck.get("/health/" + offset));
            functional.add(new Runbook.HttpCheck("echo " + offset, null, "/api/" + offset, true, null, null, null));
        }
        var echo = new Runbook.Checks(Duration.ofSeconds(5), 0, health, functional);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), echo, true, true, Optional.of(new Secret(key))));

        assertThat(r.checks()).hasSize(262).allSatisfy(c -> assertThat(c.verdict()).isEqualTo(Verdict.FAIL));
        assertThat(r.checks()).allSatisfy(c -> assertThat(SecretPieces.in(c.detail(), key)).as(c.detail()).isEmpty());
        // The key across the cut at 120 characters: redacted first, then cut.
        assertThat(r.checks().get(110).detail()).isEqualTo("HTTP 500 (expected 2xx): " + "x".repeat(110) + "[redacted]…");
    }

    @Test
    void aPostAnswered500IsSentOnceAndTheDetailSaysWhyItWasNotRetried() throws Exception {
        server.setDispatcher(answering(500));
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", false, "{}", 200, null);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(post)), false, true, Optional.empty()));

        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 500 (expected 200): down; not retried: POST is not "
                + "idempotent; add `idempotent: true` to the check if it is");
        assertThat(slept).isEmpty();
    }

    @Test
    void aPostAnswered503WithRetryAfterZeroIsNotSentAgainByTheHttpClientItself() throws Exception {
        // OkHttp follows "503, Retry-After: 0" with the same request on its own, whatever its retry setting.
        server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "0").setBody("busy"));
        server.enqueue(new MockResponse().setResponseCode(200).setBody("ok"));
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", false, "{}", 200, null);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(post)), false, true, Optional.empty()));

        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 503 (expected 200): busy; not retried: POST is not "
                + "idempotent; add `idempotent: true` to the check if it is");
    }

    @Test
    void aGetAnswered500IsSentOnceAndThenOncePerRetry() {
        server.setDispatcher(answering(500));
        var get = new Runbook.HttpCheck("list", "GET", "/api/v1/x", false, null, null, null);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(get)), false, true, Optional.empty()));

        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 500 (expected 2xx): down after 3 attempts");
        assertThat(slept).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400));
    }

    @Test
    void aPostTheRunbookCallsIdempotentIsRetriedOn500() {
        server.setDispatcher(answering(500));
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", false, "{}", 200, true);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(post)), false, true, Optional.empty()));

        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 500 (expected 200): down after 3 attempts");
    }

    @Test
    void aPostWhoseConnectionWasRefusedIsRetriedBecauseNothingWasSent() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        server.shutdown();
        MockWebServer later = new MockWebServer();
        later.enqueue(new MockResponse().setResponseCode(200));
        // The first attempt finds nothing listening; the server starts while the verifier waits to retry.
        HttpVerifier startsServerWhilePausing = new HttpVerifier(new Wait(Clock.systemUTC(), d -> {
            slept.add(d);
            try {
                later.start(java.net.InetAddress.getLoopbackAddress(), port);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), secrets);
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", false, "{}", 200, null);
        try {
            VerifyReport r = startsServerWhilePausing.verify(new VerifyRequest("http://127.0.0.1:" + port + "/",
                    checks(List.of(post)), false, true, Optional.empty()));

            assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.PASS);
            assertThat(r.checks().get(0).detail()).isEqualTo("HTTP 200 after 2 attempts");
            assertThat(later.getRequestCount()).isEqualTo(1);
        } finally {
            startsServerWhilePausing.close();
            later.shutdown();
        }
    }

    @Test
    void aPostWhoseConnectionBrokeAfterItWasWrittenIsSentOnceAndNotRetried() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.DISCONNECT_AFTER_REQUEST);
            }
        });
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", false, "{}", 200, null);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(post)), false, true, Optional.empty()));

        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(r.checks().get(0).detail()).endsWith("; not retried: POST is not idempotent; add `idempotent: true` "
                + "to the check if it is");
    }

    @Test
    void aPostOnAKeptAliveConnectionThatBreaksOnceItWasWrittenIsNotSentAgainByTheHttpClientItself() {
        java.util.concurrent.atomic.AtomicInteger posts = new java.util.concurrent.atomic.AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                if (r.getMethod().equals("POST") && posts.getAndIncrement() == 0) {
                    return new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.DISCONNECT_AFTER_REQUEST);
                }
                return new MockResponse().setResponseCode(200);
            }
        });
        var warm = new Runbook.Checks(Duration.ofSeconds(2), 0, List.of(Runbook.HttpCheck.get("/health")), null);
        assertThat(verifier.verify(new VerifyRequest(base(), warm, true, false, Optional.empty())).ok()).isTrue();
        // No retries of our own: a second POST could only come from the HTTP client's recovery, which
        // resends a request on a fresh connection when a reused one fails after the request was written.
        var post = new Runbook.HttpCheck("execute", "POST", "/api/v1/x", false, "{}", 200, null);
        var once = new Runbook.Checks(Duration.ofSeconds(2), 0, List.of(), List.of(post));

        VerifyReport r = verifier.verify(new VerifyRequest(base(), once, false, true, Optional.empty()));

        assertThat(posts.get()).isEqualTo(1);
        assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void twoVerifiesInARowBothPassAndTheSecondUsesTheConnectionTheFirstKeptAlive() throws Exception {
        server.setDispatcher(answering(200));
        var one = new Runbook.Checks(Duration.ofSeconds(2), 0, List.of(Runbook.HttpCheck.get("/health")), null);

        VerifyReport first = verifier.verify(new VerifyRequest(base(), one, true, false, Optional.empty()));
        VerifyReport second = verifier.verify(new VerifyRequest(base(), one, true, false, Optional.empty()));

        assertThat(first.ok()).isTrue();
        assertThat(second.ok()).isTrue();
        server.takeRequest();
        assertThat(server.takeRequest().getSequenceNumber()).as("requests before it on its connection").isEqualTo(1);
    }

    private static Dispatcher answering(int status) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return new MockResponse().setResponseCode(status).setBody(status == 200 ? "ok" : "down");
            }
        };
    }

    @Test
    void aRefusedConnectionFailsAfterRetriesAsUnreachableNotAsAFailureOfTheService() throws Exception {
        String url = base();
        server.shutdown();
        var one = new Runbook.Checks(Duration.ofSeconds(1), 1, List.of(Runbook.HttpCheck.get("/health")), null);
        VerifyReport r = verifier.verify(new VerifyRequest(url, one, true, false, Optional.empty()));
        assertThat(r.ok()).isFalse();
        assertThat(r.checks().get(0).status()).isNull();
        assertThat(r.checks().get(0).detail()).isEqualTo("connection refused by " + server.getHostName() + ":"
                + server.getPort() + " after 2 attempts");
        assertThat(r.checks().get(0).cause()).isEqualTo(CheckResult.Cause.UNREACHABLE);
        assertThat(r.conclusion()).isEqualTo(VerifyReport.Conclusion.UNREACHABLE);
    }

    @Test
    void anAnswerThatDoesNotComeAfterTheRequestWasWrittenIsAFailureOfTheService() {
        server.enqueue(new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.NO_RESPONSE));
        var one = new Runbook.Checks(Duration.ofMillis(300), 0, List.of(Runbook.HttpCheck.get("/health")), null);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), one, true, false, Optional.empty()));

        assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(r.checks().get(0).cause()).isEqualTo(CheckResult.Cause.JUDGED);
        assertThat(r.conclusion()).isEqualTo(VerifyReport.Conclusion.FAILED);
    }

    @Test
    void aCheckAnswered503ThenRefusedReachedTheServiceAndFailedIt() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(503));
        HttpVerifier stopsServerWhilePausing = new HttpVerifier(new Wait(Clock.systemUTC(), d -> {
            try {
                server.shutdown();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), secrets);
        var one = new Runbook.Checks(Duration.ofSeconds(1), 1, List.of(Runbook.HttpCheck.get("/health")), null);
        try {
            VerifyReport r = stopsServerWhilePausing.verify(new VerifyRequest(base(), one, true, false,
                    Optional.empty()));

            assertThat(r.checks().get(0).verdict()).isEqualTo(Verdict.FAIL);
            assertThat(r.checks().get(0).detail()).endsWith(" after 2 attempts");
            assertThat(r.checks().get(0).cause()).isEqualTo(CheckResult.Cause.JUDGED);
        } finally {
            stopsServerWhilePausing.close();
        }
    }

    @Test
    void aNameThatDoesNotResolveIsSaidAsUnknownHost() {
        assertThat(HttpVerifier.unreached(new java.net.UnknownHostException("api.example.invalid: Name or service "
                + "not known"), okhttp3.HttpUrl.get("https://api.example.invalid/health")))
                .isEqualTo("unknown host api.example.invalid: the name does not resolve");
    }

    @Test
    void aCheckThatNeedsTheMissingKeyIsNotSentAndSaysItCouldNotRun() {
        var list = new Runbook.HttpCheck("list", "GET", "/api/v1/commands", true, null, 200, null);

        VerifyReport r = verifier.verify(new VerifyRequest(base(), checks(List.of(list)), false, true,
                Optional.empty(), "API key not available: set API_KEY"));

        assertThat(server.getRequestCount()).isZero();
        assertThat(r.checks().get(0)).isEqualTo(CheckResult.notRun("list", "functional",
                "API key not available: set API_KEY"));
    }

    @Test
    void aRequestSendingTheKeyOverPlainHttpToANonLoopbackHostCannotBeMade() {
        var auth = new Runbook.HttpCheck("list", null, "/api", true, null, null, null);
        assertThatThrownBy(() -> new VerifyRequest("http://example.com", checks(List.of(auth)), false, true,
                Optional.of(KEY))).hasMessage("refusing to send the API key over plain http to example.com; use an "
                        + "https:// URL (--url or service.url)");
        assertThat(new VerifyRequest("http://127.0.0.1:8080", checks(List.of(auth)), false, true, Optional.of(KEY))
                .baseUrl()).isEqualTo("http://127.0.0.1:8080");
        assertThat(new VerifyRequest("https://example.com", checks(List.of(auth)), false, true, Optional.of(KEY))
                .baseUrl()).isEqualTo("https://example.com");
    }

    @Test
    void aPortOutOfRangeIsRefusedWhenTheRequestIsMadeBeforeAnythingChanges() {
        var one = new Runbook.Checks(Duration.ofSeconds(1), 0, List.of(Runbook.HttpCheck.get("/health")), null);
        for (String url : List.of("http://host:70000/", "http://host:0/", "https://host:65536")) {
            assertThatThrownBy(() -> new VerifyRequest(url, one, true, false, Optional.empty()))
                    .isInstanceOf(RunbookException.class)
                    .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT))
                    .hasMessageStartingWith("'" + url + "' is not an http(s) URL to check: port ")
                    .hasMessageEndingWith(" is not in 1..65535");
        }
        assertThat(new VerifyRequest("http://host:65535/", one, true, false, Optional.empty()).baseUrl())
                .isEqualTo("http://host:65535/");
    }

    @Test
    void aUrlTheHttpClientCannotUseIsAnInputErrorNotAnUncheckedException() {
        var one = new Runbook.Checks(Duration.ofSeconds(1), 0, List.of(Runbook.HttpCheck.get("/health")), null);
        // java.net.URI takes this host; OkHttp refuses the malformed punycode.
        VerifyRequest request = new VerifyRequest("http://xn--zz/", one, true, false, Optional.empty());

        assertThatThrownBy(() -> verifier.verify(request)).isInstanceOf(RunbookException.class)
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT))
                .hasMessageStartingWith("'http://xn--zz/' is not a URL the checks can be sent to: ");
    }

    @Test
    void checksRunConcurrently() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return new MockResponse().setResponseCode(200).setHeadersDelay(300, TimeUnit.MILLISECONDS);
            }
        });
        List<Runbook.HttpCheck> many = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            many.add(Runbook.HttpCheck.get("/health/" + i));
        }
        var ten = new Runbook.Checks(Duration.ofSeconds(5), 0, many, null);
        VerifyReport r = verifier.verify(new VerifyRequest(base(), ten, true, false, Optional.empty()));
        assertThat(r.ok()).isTrue();
        // Each answer takes 300 ms; one after the other would take 3 s.
        assertThat(r.durationMs()).isBetween(300L, 1500L);
    }
}

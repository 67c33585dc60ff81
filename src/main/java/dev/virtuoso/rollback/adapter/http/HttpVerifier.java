package dev.virtuoso.rollback.adapter.http;

import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.Verifier;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.ConnectionSpec;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Health and functional checks of the written runbook's "Rollback Verification", run
 * concurrently over OkHttp, each with its timeout and retries for connection errors and 5xx.
 * A check is sent again only when that cannot do harm: its method is idempotent (RFC 9110:
 * GET, HEAD, OPTIONS, PUT, DELETE), the runbook says the check is, or nothing of it was written.
 *
 * <p>The verifier owns its HTTP clients, which every verify of the run shares (the drill and
 * watch verify again and again, over the same kept-alive connections); {@link #close} ends them.
 */
public final class HttpVerifier implements Verifier, AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    /** Of a failing answer, this much is read and redacted; the detail shows {@link #SNIPPET} characters of it. */
    private static final int PEEK = 4096;
    private static final int SNIPPET = 120;
    /** Marks a request once OkHttp starts writing it: before that the server cannot have seen it. */
    private static final EventListener WRITTEN = new EventListener() {
        @Override
        public void requestHeadersStart(Call call) {
            Attempt attempt = call.request().tag(Attempt.class);
            if (attempt != null) {
                attempt.written = true;
            }
        }
    };

    private final Clock clock;
    private final Wait wait;
    private final Secret.Registry secrets;
    private OkHttpClient tls;
    private OkHttpClient plain;

    /** {@code secrets}: what no detail may show (the run's, with the API key the checks send). */
    public HttpVerifier(Wait wait, Secret.Registry secrets) {
        this.clock = wait.clock();
        this.wait = wait;
        this.secrets = secrets;
    }

    /**
     * One client per scheme, made when first needed: a client that may speak TLS loads the trust
     * store and makes an SSL context as it is built (~9% of the CPU of a whole `quick` against a
     * plain-http URL, docs/performance.md), which checks of a plain-http service (a local
     * container, the sandbox) never use. OkHttp skips that set-up only when a client's connection
     * specs are CLEARTEXT alone. Every URL a run checks has the base URL's scheme.
     */
    private synchronized OkHttpClient base(boolean https) {
        if (https ? tls == null : plain == null) {
            // No redirects: a custom header such as X-API-Key would follow a redirect to any host.
            OkHttpClient.Builder b = new OkHttpClient.Builder().followRedirects(false).followSslRedirects(false)
                    .eventListener(WRITTEN);
            if (https) {
                tls = b.build();
            } else {
                plain = b.connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)).build();
            }
        }
        return https ? tls : plain;
    }

    @Override
    public VerifyReport verify(VerifyRequest request) {
        // VerifyRequest holds the URL to http(s), a port in range, and the API key to https or loopback.
        HttpUrl baseUrl = url(request.baseUrl());
        List<Probe> probes = new ArrayList<>();
        if (request.health()) {
            request.checks().health().forEach(c -> probes.add(new Probe(c, "health")));
        }
        if (request.functional()) {
            request.checks().functional().forEach(c -> probes.add(new Probe(c, "functional")));
        }
        Optional<Secret> key = request.apiKey();
        Duration timeout = request.checks().timeout();
        // Derived clients share the base's connections and threads, which outlive this verify.
        OkHttpClient client = base(baseUrl.isHttps()).newBuilder().callTimeout(timeout).build();
        // OkHttp itself sends a request again after most I/O errors (retryOnConnectionFailure, on by
        // default), even once it was written, when its body can be sent twice (every body here can):
        // a kept-alive connection that breaks after the POST went out, and the POST goes out again on
        // a new one. A check that is not safe to resend goes through a client that never does; its
        // own retries below decide from what was written. OkHttp also follows a "503, Retry-After: 0"
        // answer with the same request whatever that setting says: such a client never lets it see
        // the header, so the 503 is the answer.
        OkHttpClient once = client.newBuilder().retryOnConnectionFailure(false).addNetworkInterceptor(chain -> {
            Response r = chain.proceed(chain.request());
            return r.code() == 503 ? r.newBuilder().removeHeader("Retry-After").build() : r;
        }).build();
        int attempts = request.checks().retries() + 1;
        Instant start = clock.instant();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(probes.size(), 32)), r -> {
            Thread t = new Thread(r, "check");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<CheckResult>> futures = new ArrayList<>();
            for (Probe p : probes) {
                OkHttpClient c = p.check.safeToResend() ? client : once;
                futures.add(pool.submit(() -> p.run(c, baseUrl, key, attempts, request.noKey())));
            }
            // Every check has its own timeout and backoff; this bounds the whole run.
            Duration deadline = timeout.multipliedBy(attempts).plus(backoffTotal(attempts)).plusSeconds(1);
            List<CheckResult> results = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                results.add(collect(futures.get(i), probes.get(i), start, deadline));
            }
            return new VerifyReport(request.baseUrl(), Duration.between(start, clock.instant()).toMillis(), results);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Closes the connections kept alive for the next verify. */
    @Override
    public synchronized void close() {
        for (OkHttpClient c : new OkHttpClient[] {tls, plain}) {
            if (c != null) {
                c.connectionPool().evictAll();
            }
        }
    }

    /**
     * The few URLs java.net.URI takes and OkHttp does not (a malformed punycode host, an IPv6 zone)
     * are an input error, never an unchecked exception after a change was applied.
     */
    private static HttpUrl url(String baseUrl) {
        try {
            return HttpUrl.get(baseUrl);
        } catch (IllegalArgumentException e) {
            throw RunbookException.invalid("'" + baseUrl + "' is not a URL the checks can be sent to: " + e.getMessage());
        }
    }

    private CheckResult collect(Future<CheckResult> f, Probe p, Instant start, Duration deadline) {
        long left = deadline.minus(Duration.between(start, clock.instant())).toMillis();
        try {
            return f.get(Math.max(left, 0), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return p.result(Verdict.FAIL, null, Duration.between(start, clock.instant()).toMillis(),
                    "no answer within the verification deadline of " + deadline.toMillis() + " ms");
        } catch (ExecutionException e) {
            return p.result(Verdict.FAIL, null, 0, secrets.redact(String.valueOf(e.getCause())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Wait.interrupted("running the checks");
        }
    }

    private static Duration backoffTotal(int attempts) {
        Duration total = Duration.ZERO;
        for (int i = 1; i < attempts; i++) {
            total = total.plus(FIRST_BACKOFF.multipliedBy(1L << (i - 1)));
        }
        return total;
    }

    private final class Probe {
        private final Runbook.HttpCheck check;
        private final String kind;

        Probe(Runbook.HttpCheck check, String kind) {
            this.check = check;
            this.kind = kind;
        }

        CheckResult run(OkHttpClient client, HttpUrl base, Optional<Secret> key, int attempts, String noKey) {
            if (check.auth() && key.isEmpty()) {
                // Not sent. A rollback goes on without it; `verify` says the check asked for could not run.
                return new CheckResult(check.name(), kind, Verdict.INCONCLUSIVE, null, 0, noKey,
                        CheckResult.Cause.NOT_RUN);
            }
            Request request = request(base, key);
            Duration backoff = FIRST_BACKOFF;
            String detail = null;
            Integer status = null;
            long latency = 0;
            // Whether any attempt got through to the service: until then a failure is the network's.
            boolean reached = false;
            for (int attempt = 1; attempt <= attempts; attempt++) {
                Attempt sending = new Attempt();
                Instant sent = clock.instant();
                boolean harmless;
                try (Response response = client.newCall(request.newBuilder().tag(Attempt.class, sending).build())
                        .execute()) {
                    latency = Duration.between(sent, clock.instant()).toMillis();
                    reached = true;
                    status = response.code();
                    if (check.accepts(status)) {
                        return result(Verdict.PASS, status, latency, "HTTP " + status + tries(attempt));
                    }
                    detail = "HTTP " + status + expected() + snippet(response) + tries(attempt);
                    if (status < 500) {
                        break;
                    }
                    harmless = check.safeToResend();
                } catch (IOException e) {
                    latency = Duration.between(sent, clock.instant()).toMillis();
                    status = null;
                    reached |= sending.written;
                    detail = secrets.redact(sending.written ? message(e) : unreached(e, request.url())) + tries(attempt);
                    // Refused, unresolved, a failed TLS handshake, a connect timeout: the server saw nothing.
                    harmless = check.safeToResend() || !sending.written;
                }
                if (attempt == attempts) {
                    break;
                }
                if (!harmless) {
                    detail += "; not retried: " + check.method() + " is not idempotent; add `idempotent: true` to the "
                            + "check if it is";
                    break;
                }
                wait.pause(backoff, "retrying " + check.name());
                backoff = backoff.multipliedBy(2);
            }
            return new CheckResult(check.name(), kind, Verdict.FAIL, status, latency, detail,
                    reached ? CheckResult.Cause.JUDGED : CheckResult.Cause.UNREACHABLE);
        }

        private Request request(HttpUrl base, Optional<Secret> key) {
            HttpUrl url = HttpUrl.parse(base.toString().replaceAll("/+$", "") + check.path());
            Request.Builder b = new Request.Builder().url(url);
            if (check.auth()) {
                b.header("X-API-Key", key.orElseThrow().reveal());
            }
            RequestBody body = check.body() == null ? null : RequestBody.create(check.body(), JSON);
            if (body == null && List.of("POST", "PUT", "PATCH").contains(check.method())) {
                body = RequestBody.create(new byte[0], JSON);
            }
            return b.method(check.method(), body).build();
        }

        private String expected() {
            return check.expectStatus() == null ? " (expected 2xx)" : " (expected " + check.expectStatus() + ")";
        }

        private static String tries(int attempt) {
            return attempt > 1 ? " after " + attempt + " attempts" : "";
        }

        /** The start of the answer, redacted before it is cut: a cut key would no longer be recognised. */
        private String snippet(Response response) throws IOException {
            String body = response.peekBody(PEEK).string().replaceAll("\\s+", " ").trim();
            return body.isEmpty() ? "" : ": " + secrets.cut(body, SNIPPET);
        }

        CheckResult result(Verdict verdict, Integer status, long latencyMs, String detail) {
            return new CheckResult(check.name(), kind, verdict, status, latencyMs, detail);
        }
    }

    private static String message(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Why a request reached nobody, as a person says it: "unknown host H", "connection refused by
     * H:P". OkHttp wraps the socket's "Connection refused" in a ConnectException of its own
     * ("Failed to connect to /127.0.0.1:8080"), so the chain of causes is read.
     */
    static String unreached(IOException e, HttpUrl url) {
        String where = url.host() + ":" + url.port();
        if (e instanceof UnknownHostException) {
            return "unknown host " + url.host() + ": the name does not resolve";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).contains("refused")) {
                return "connection refused by " + where;
            }
        }
        return "could not connect to " + where + ": " + message(e);
    }

    /** One sending of a check, told by OkHttp whether any of it was written. */
    private static final class Attempt {
        volatile boolean written;
    }
}

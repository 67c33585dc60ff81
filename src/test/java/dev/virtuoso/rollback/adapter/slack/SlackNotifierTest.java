package dev.virtuoso.rollback.adapter.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.SecretPieces;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.Notifier;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SlackNotifierTest {
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler before;
    private MockWebServer server;

    @BeforeEach
    void start() throws Exception {
        before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(before);
        server.shutdown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hooks.slack.com/services/T0/B0/SECRETPART", "https://hooks.slack.com:70000/SECRETPART",
            "ftp://hooks.slack.com/SECRETPART", "https://"})
    void aWebhookThatIsNoUrlIsRefusedOnceWithoutShowingIt(String webhook) {
        assertThatThrownBy(() -> new SlackNotifier(new Secret(webhook), new Secret.Registry(), warnings::add))
                .isInstanceOf(RunbookException.class)
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT))
                .hasMessage("notify.slackWebhook is not an http(s) URL (its value is a secret, so it is not shown)");
        assertThat(warnings).isEmpty();
    }

    @Test
    void followUpsGoOutInOrderAfterAFailedFirstPostAndNothingEscapesTheSenderThread() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(500).setBody("down"));
        server.enqueue(new MockResponse().setResponseCode(200).setBody("ok"));
        server.enqueue(new MockResponse().setResponseCode(200).setBody("ok"));
        // A warning that itself fails must not reach the thread's default handler either.
        List<String> seen = new CopyOnWriteArrayList<>();
        try (SlackNotifier slack = new SlackNotifier(new Secret(server.url("/services/T0/B0/x").toString()), new Secret.Registry(), w -> {
            seen.add(w);
            throw new IllegalStateException("the console is gone");
        })) {
            Notifier.Incident incident = slack.open("rolling back api");
            incident.post("applied");
            incident.post("verified");
        }

        assertThat(List.of(body(), body(), body())).containsExactly("{\"text\":\"rolling back api\"}",
                "{\"text\":\"↳ (rolling back api) applied\"}", "{\"text\":\"↳ (rolling back api) verified\"}");
        assertThat(seen).containsExactly("Slack notification failed: HTTP 500 down");
        assertThat(uncaught).isEmpty();
    }

    @Test
    void aPostAfterCloseIsAWarningNotAnException() {
        SlackNotifier slack = new SlackNotifier(new Secret(server.url("/hook").toString()), new Secret.Registry(),
                warnings::add);
        slack.close();

        Notifier.Incident incident = slack.open("late");
        incident.post("later");

        assertThat(warnings).containsExactly("Slack notification not sent: the run is ending",
                "Slack notification not sent: the run is ending");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void noPieceOfTheWebhookAFailingEndpointEchoesIsInAnyWarningWhereverItsAnswerCutsIt() throws Exception {
        String path = "/services/T0SECRET01/B0SECRET02/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2";
        String hook = server.url(path).toString();
        // Each answer names the hook after more filler, cut short at 150 characters as a server's
        // error page does (every cut inside the credential), and in its JSON form with escaped
        // slashes; the warning shows 200 characters.
        int first = 80;
        int posts = 150 - first;
        server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
            private final java.util.concurrent.atomic.AtomicInteger offsets = new java.util.concurrent.atomic.AtomicInteger(first);

            @Override
            public MockResponse dispatch(RecordedRequest r) {
                int offset = offsets.getAndIncrement();
                String echo = "no_service: " + "x".repeat(offset) + hook;
                return new MockResponse().setResponseCode(500).setBody(echo.substring(0, Math.min(echo.length(), 150))
                        + " {\"url\": \"" + hook.replace("/", "\\/") + "\"}");
            }
        });
        Secret.Registry secrets = new Secret.Registry();
        Secret webhook = new Secret(hook);
        secrets.add(webhook);
        java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(posts);
        try (SlackNotifier slack = new SlackNotifier(webhook, secrets, w -> {
            warnings.add(w);
            answered.countDown();
        })) {
            Notifier.Incident incident = slack.open("rolling back api");
            for (int i = 1; i < posts; i++) {
                incident.post("step " + i);
            }
            assertThat(answered.await(60, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(warnings).hasSize(posts).allSatisfy(w -> assertThat(w).startsWith("Slack notification failed: HTTP 500 "));
        String shown = String.join("\n", warnings);
        assertThat(SecretPieces.in(shown, path.substring("/services/".length()))).isEmpty();
        // Cut inside its credential by the server: the host and the words before it stay readable.
        assertThat(warnings.get(0)).startsWith("Slack notification failed: HTTP 500 no_service: " + "x".repeat(first)
                + hook.substring(0, hook.indexOf(path)) + "/services/[redacted] {\"url\": ");
    }

    private String body() throws InterruptedException {
        RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        return r.getBody().readUtf8();
    }
}

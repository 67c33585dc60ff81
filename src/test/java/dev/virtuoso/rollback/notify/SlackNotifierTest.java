package dev.virtuoso.rollback.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.Notifier;
import dev.virtuoso.rollback.runbook.RunbookException;
import dev.virtuoso.rollback.runbook.Secret;
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
        assertThatThrownBy(() -> new SlackNotifier(new Secret(webhook), warnings::add))
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
        try (SlackNotifier slack = new SlackNotifier(new Secret(server.url("/services/T0/B0/x").toString()), w -> {
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
        SlackNotifier slack = new SlackNotifier(new Secret(server.url("/hook").toString()), warnings::add);
        slack.close();

        Notifier.Incident incident = slack.open("late");
        incident.post("later");

        assertThat(warnings).containsExactly("Slack notification not sent: the run is ending",
                "Slack notification not sent: the run is ending");
        assertThat(server.getRequestCount()).isZero();
    }

    private String body() throws InterruptedException {
        RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        return r.getBody().readUtf8();
    }
}

package dev.virtuoso.rollback.adapter.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.SecretPieces;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.Notifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlackBotNotifierTest {
    private static final String TOKEN = "xoxb-1234567890-0987654321-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2";

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final List<Duration> waited = new CopyOnWriteArrayList<>();
    private final Secret.Registry secrets = new Secret.Registry();
    private MockWebServer server;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        secrets.add(new Secret(TOKEN));
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdown();
    }

    private SlackBotNotifier slack() {
        return new SlackBotNotifier(new Secret(TOKEN), "#incidents", server.url("/api/").uri(), secrets, waited::add,
                warnings::add);
    }

    private static MockResponse ok(String json) {
        return new MockResponse().setHeader("Content-Type", "application/json").setBody(json);
    }

    @Test
    void followUpsGoIntoTheThreadOfTheFirstMessageInTheChannelItWentTo() throws Exception {
        server.enqueue(ok("{\"ok\":true,\"channel\":\"C0INCIDENT\",\"ts\":\"1700000000.000100\"}"));
        server.enqueue(ok("{\"ok\":true,\"channel\":\"C0INCIDENT\",\"ts\":\"1700000001.000200\"}"));
        server.enqueue(ok("{\"ok\":true,\"channel\":\"C0INCIDENT\",\"ts\":\"1700000002.000300\"}"));
        try (SlackBotNotifier slack = slack()) {
            Notifier.Incident incident = slack.open("rolling back api");
            incident.post("applied");
            incident.post("verified");
        }

        RecordedRequest first = take();
        assertThat(first.getPath()).isEqualTo("/api/chat.postMessage");
        assertThat(first.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(json(first).toString()).isEqualTo("{\"channel\":\"#incidents\",\"text\":\"rolling back api\"}");
        for (String text : List.of("applied", "verified")) {
            RecordedRequest reply = take();
            assertThat(reply.getPath()).isEqualTo("/api/chat.postMessage");
            assertThat(json(reply).toString()).isEqualTo("{\"channel\":\"C0INCIDENT\",\"text\":\"" + text
                    + "\",\"thread_ts\":\"1700000000.000100\"}");
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void anAnswerOfOkFalseIsAWarningNamingSlacksErrorAndFollowUpsStillGoOut() throws Exception {
        server.enqueue(ok("{\"ok\":false,\"error\":\"not_in_channel\"}"));
        server.enqueue(ok("{\"ok\":true,\"channel\":\"C0INCIDENT\",\"ts\":\"1700000001.000200\"}"));
        try (SlackBotNotifier slack = slack()) {
            slack.open("rolling back api").post("applied");
        }

        assertThat(warnings).containsExactly("Slack chat.postMessage failed: not_in_channel");
        take();
        assertThat(json(take()).toString()).isEqualTo(
                "{\"channel\":\"#incidents\",\"text\":\"↳ (rolling back api) applied\"}");
    }

    @Test
    void aRateLimitedPostIsSentAgainAfterRetryAfterAndGivenUpAfterThreeTries() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "7"));
        server.enqueue(ok("{\"ok\":true,\"channel\":\"C0INCIDENT\",\"ts\":\"1700000000.000100\"}"));
        for (int i = 0; i < SlackBotNotifier.TRIES; i++) {
            server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "3600"));
        }
        try (SlackBotNotifier slack = slack()) {
            slack.open("rolling back api").post("applied");
        }

        assertThat(server.getRequestCount()).isEqualTo(2 + SlackBotNotifier.TRIES);
        assertThat(waited).containsExactly(Duration.ofSeconds(7), SlackBotNotifier.LONGEST_WAIT,
                SlackBotNotifier.LONGEST_WAIT);
        assertThat(warnings).containsExactly("Slack chat.postMessage failed: rate limited (HTTP 429) 3 times; given up");
    }

    @Test
    void theChartIsUploadedToTheUploadUrlAndSharedInTheThreadWithTheChannelId(@TempDir Path dir) throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        Path chart = Files.write(dir.resolve("metrics.png"), png);
        server.enqueue(ok("{\"ok\":true,\"channel\":\"C0INCIDENT\",\"ts\":\"1700000000.000100\"}"));
        server.enqueue(ok("{\"ok\":true,\"upload_url\":\"" + server.url("/upload/v1/ABC") + "\",\"file_id\":\"F0CHART\"}"));
        server.enqueue(new MockResponse().setBody("OK - " + png.length));
        server.enqueue(ok("{\"ok\":true,\"files\":[{\"id\":\"F0CHART\"}]}"));
        try (SlackBotNotifier slack = slack()) {
            slack.open("rolling back api").attach(chart, "api: error rate and P95");
        }

        take();
        RecordedRequest ticket = take();
        assertThat(ticket.getPath()).isEqualTo("/api/files.getUploadURLExternal");
        assertThat(ticket.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(ticket.getBody().readUtf8()).isEqualTo("filename=metrics.png&length=" + png.length);
        RecordedRequest bytes = take();
        assertThat(bytes.getPath()).isEqualTo("/upload/v1/ABC");
        assertThat(bytes.getBody().readByteArray()).isEqualTo(png);
        assertThat(bytes.getHeader("Authorization")).isNull();
        RecordedRequest done = take();
        assertThat(done.getPath()).isEqualTo("/api/files.completeUploadExternal");
        assertThat(json(done).toString()).isEqualTo("{\"files\":[{\"id\":\"F0CHART\",\"title\":\"api: error rate and P95\"}],"
                + "\"channel_id\":\"C0INCIDENT\",\"thread_ts\":\"1700000000.000100\"}");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aChartWhoseThreadWasNeverPostedIsNotUploadedAndSaysWhy(@TempDir Path dir) throws Exception {
        Path chart = Files.write(dir.resolve("metrics.png"), new byte[] {1, 2, 3});
        server.enqueue(ok("{\"ok\":false,\"error\":\"invalid_auth\"}"));
        try (SlackBotNotifier slack = slack()) {
            slack.open("rolling back api").attach(chart, "chart");
        }

        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(warnings).containsExactly("Slack chat.postMessage failed: invalid_auth",
                "Slack: metrics.png not shared: the incident's first message was not posted");
    }

    @Test
    void noPieceOfTheTokenAnEndpointEchoesIsInAnyWarning() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(500).setBody("bad token " + TOKEN));
        server.enqueue(ok("{\"ok\":false,\"error\":\"invalid_auth: " + TOKEN.substring(5, 30) + "\"}"));
        try (SlackBotNotifier slack = slack()) {
            Notifier.Incident incident = slack.open("token " + TOKEN);
            incident.post("still " + TOKEN.substring(10));
        }

        assertThat(warnings).hasSize(2);
        assertThat(SecretPieces.in(String.join("\n", warnings), TOKEN)).isEmpty();
        assertThat(SecretPieces.in(take().getBody().readUtf8() + take().getBody().readUtf8(), TOKEN)).isEmpty();
    }

    private RecordedRequest take() throws InterruptedException {
        RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        return r;
    }

    private static JsonNode json(RecordedRequest r) throws Exception {
        return Json.mapper().readTree(r.getBody().readUtf8());
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.SecretPieces;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No run of 8 characters of the API key, the webhook's credential or the Slack bot token reaches stdout, stderr,
 * JSON, the JUnit file or the journal, through the real wiring, whatever a server echoes.
 */
class SecretsNeverShownTest {
    private static final String KEY = "vk-demo-4f1c9e27b3d8a6052c1e";

    private final CliHarness cli = new CliHarness();
    private final MockWebServer server = new MockWebServer();

    @BeforeEach
    void start() throws IOException {
        server.start();
    }

    @AfterEach
    void close() throws Exception {
        server.shutdown();
        cli.close();
    }

    private String echoRunbook() throws IOException {
        Path book = cli.home.resolve("echo.yaml");
        Files.writeString(book, SecretPieces.echoRunbook());
        return book.toString();
    }

    private String journal() throws IOException {
        return Files.readString(cli.home.resolve("journal.jsonl"));
    }

    @Test
    void noPieceOfAnApiKeyTheServiceEchoesIsInTextJsonJUnitVerboseOutputTheJournalOrStderr() throws Exception {
        server.setDispatcher(SecretPieces.echoing(KEY));
        String book = echoRunbook();
        String url = server.url("/").toString();
        Map<String, String> env = Map.of("API_KEY", KEY);
        Path xml = cli.home.resolve("checks.xml");

        CliHarness.Result text = cli.run(env, "-r", book, "--url", url, "verify", "--health", "--functional");
        CliHarness.Result verbose = cli.run(env, "-r", book, "--url", url, "-v", "verify", "--health", "--functional");
        CliHarness.Result json = cli.run(env, "-r", book, "--url", url, "-o", "json", "verify", "--health",
                "--functional", "--junit", xml.toString());
        CliHarness.Result rollback = cli.run(env, "-r", book, "--url", url, "quick", "--previous", "--yes");
        CliHarness.Result back = cli.run(env, "-r", book, "--url", url, "-o", "json", "-v", "quick", "--to-latest",
                "--accept-rolled-back", "--yes");

        for (CliHarness.Result r : new CliHarness.Result[] {text, verbose, json, rollback, back}) {
            assertThat(r.code()).as(r.err()).isEqualTo(3);
            assertThat(SecretPieces.in(r.out(), KEY)).as("stdout").isEmpty();
            assertThat(SecretPieces.in(r.err(), KEY)).as("stderr").isEmpty();
        }
        // The answers did reach every output, with the key taken out of them.
        assertThat(text.out()).contains("HTTP 500 (expected 2xx): " + "x".repeat(110) + "[redacted]…");
        assertThat(json.out()).contains("[redacted]");
        assertThat(rollback.out()).contains("checks: 0/262 passed").contains("[redacted]");
        assertThat(Files.readString(xml)).contains("<failure").contains("[redacted]");
        assertThat(SecretPieces.in(Files.readString(xml), KEY)).as("JUnit").isEmpty();
        assertThat(journal()).contains("verification: 0/262 checks passed");
        assertThat(SecretPieces.in(journal(), KEY)).as("journal").isEmpty();
    }

    @Test
    void noPieceOfAnApiKeyInACloudApisErrorIsInTheErrorLineTheJsonErrorTheJournalOrTheSlackMessages() throws Exception {
        Path book = cli.home.resolve("slack.yaml");
        Files.writeString(book, SecretPieces.echoRunbook() + "notify:\n  slackWebhook: {env: SLACK_WEBHOOK_URL}\n");
        Map<String, String> env = Map.of("API_KEY", KEY, "SLACK_WEBHOOK_URL", cli.controls.webhookUrl().toString());
        String echoed = "caller " + KEY + " may not update; its key begins " + KEY.substring(0, 13) + "…";

        cli.controls.failNextUpdate(Status.PERMISSION_DENIED.withDescription(echoed));
        CliHarness.Result text = cli.run(env, "-r", book.toString(), "quick", "--previous", "--yes");
        cli.controls.failNextUpdate(Status.PERMISSION_DENIED.withDescription(echoed));
        CliHarness.Result json = cli.run(env, "-r", book.toString(), "-o", "json", "-e", "quick", "--previous", "--yes");

        assertThat(text.code()).isEqualTo(4);
        assertThat(text.err()).startsWith("error: Cloud Run: permission denied on update of ")
                .contains(": caller [redacted] may not update; its key begins [redacted]…");
        assertThat(json.code()).isEqualTo(4);
        assertThat(json.out()).contains("\"error\" : \"Cloud Run: permission denied on update of ");
        for (CliHarness.Result r : new CliHarness.Result[] {text, json}) {
            assertThat(SecretPieces.in(r.out(), KEY)).as("stdout").isEmpty();
            assertThat(SecretPieces.in(r.err(), KEY)).as("stderr, with the stack trace").isEmpty();
        }
        assertThat(journal()).contains("caller [redacted] may not update");
        assertThat(SecretPieces.in(journal(), KEY)).as("journal").isEmpty();
        String posted = String.join("\n", cli.controls.webhookMessages());
        assertThat(posted).contains("caller [redacted] may not update");
        assertThat(SecretPieces.in(posted, KEY)).as("Slack").isEmpty();
    }

    @Test
    void aKeyHeldInAVariableIsRedactedAlsoWhenTheRunNeverUsesItNoVerify() throws Exception {
        Path book = cli.home.resolve("echo.yaml");
        Files.writeString(book, SecretPieces.echoRunbook());
        cli.controls.failNextUpdate(Status.PERMISSION_DENIED.withDescription("caller " + KEY + " may not update"));

        CliHarness.Result r = cli.run(Map.of("API_KEY", KEY), "-r", book.toString(), "quick", "--previous", "--yes",
                "--no-verify");

        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("caller [redacted] may not update");
        assertThat(SecretPieces.in(r.err(), KEY)).as("stderr").isEmpty();
        assertThat(SecretPieces.in(journal(), KEY)).as("journal").isEmpty();
    }

    @Test
    void noPieceOfTheWebhookAFailingEndpointEchoesIsInTheWarningsOrTheJournal() throws Exception {
        // What follows the host and the word "services": Slack's team, channel and token.
        String credential = "T0SECRET01/B0SECRET02/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2";
        String hook = server.url("/services/" + credential).toString();
        AtomicInteger posts = new AtomicInteger();
        // Cut short at 150 characters after more filler each time, and whole with its slashes escaped.
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String echo = "no_service: " + "x".repeat(60 * posts.getAndIncrement()) + hook;
                return new MockResponse().setResponseCode(500).setBody(echo.substring(0, Math.min(echo.length(), 150))
                        + " {\"url\": \"" + hook.replace("/", "\\/") + "\"}");
            }
        });
        Map<String, String> env = Map.of("SLACK_WEBHOOK_URL", hook + "\n");
        String book = cli.runbookWithSlack().toString();

        CliHarness.Result text = cli.run(env, "-r", book, "quick", "--previous", "--yes");
        CliHarness.Result json = cli.run(env, "-r", book, "-o", "json", "quick", "--to-latest", "--accept-rolled-back",
                "--yes", "--no-verify");

        assertThat(text.code()).as(text.err()).isZero();
        assertThat(json.code()).as(json.err()).isZero();
        assertThat(posts.get()).isEqualTo(4);
        assertThat(text.out()).contains("warning: Slack notification failed: HTTP 500 no_service: ");
        assertThat(json.err()).contains("warning: Slack notification failed: HTTP 500 no_service: ");
        for (CliHarness.Result r : new CliHarness.Result[] {text, json}) {
            assertThat(SecretPieces.in(r.out(), credential)).as("stdout").isEmpty();
            assertThat(SecretPieces.in(r.err(), credential)).as("stderr").isEmpty();
        }
        assertThat(SecretPieces.in(journal(), credential)).as("journal").isEmpty();
    }

    @Test
    void noPieceOfTheBotTokenIsInStdoutStderrTheJournalOrTheIncidentRecordEvenWhenTheReasonHoldsIt() throws Exception {
        Path book = cli.runbookWithSlackBot();
        String token = CliHarness.SLACK_BOT_TOKEN;

        CliHarness.Result text = cli.run(cli.slackBotEnv(), "-r", book.toString(), "-v", "quick", "--previous", "--yes",
                "--reason", "pasted " + token + " by mistake");
        CliHarness.Result json = cli.run(cli.slackBotEnv(), "-r", book.toString(), "-o", "json", "quick", "--to-latest",
                "--accept-rolled-back", "--yes", "--no-verify", "--reason", "again " + token.substring(5));

        for (CliHarness.Result r : new CliHarness.Result[] {text, json}) {
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(SecretPieces.in(r.out(), token)).as("stdout").isEmpty();
            assertThat(SecretPieces.in(r.err(), token)).as("stderr").isEmpty();
        }
        String journal = Files.readString(cli.home.resolve("journal.jsonl"));
        assertThat(journal).contains("pasted [redacted] by mistake");
        assertThat(SecretPieces.in(journal, token)).as("journal").isEmpty();
        try (java.util.stream.Stream<Path> files = Files.walk(cli.home.resolve("incidents"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".jsonl")).toList()) {
                assertThat(SecretPieces.in(Files.readString(f), token)).as(f.toString()).isEmpty();
            }
        }
        assertThat(SecretPieces.in(String.join("\n", cli.controls.webhookMessages()), token)).as("Slack").isEmpty();
    }
}

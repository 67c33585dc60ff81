package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VerifyAndAssessTest {
    private final CliHarness cli = new CliHarness();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void assessSaysCriticalForTheBrokenRevisionAndExits3() throws Exception {
        CliHarness.Result r = cli.rb("assess");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).startsWith("✗ trigger fired for virtuoso-api: critical — immediate rollback — within 5m")
                .contains("error rate 60.0% > trigger 20.0%").contains("P95 latency 8.2s > trigger 5s")
                .contains("lags up to ~3 min");
        JsonNode doc = json.readTree(cli.rb("-o", "json", "assess").out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("severity").asText()).isEqualTo("critical");
        assertThat(doc.get("withinMs").asLong()).isEqualTo(300_000);
        assertThat(doc.get("sample").get("requests").asLong()).isEqualTo(3000);
    }

    @Test
    void assessWithoutTrafficIsInconclusiveAndExits0() {
        cli.controls.setRequestsPerMinute(0);
        CliHarness.Result r = cli.rb("assess");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("? inconclusive for virtuoso-api").contains("fewer than minRequests 20");
    }

    @Test
    void verifyMetricsWritesJUnitAndJsonForCi() throws Exception {
        Path xml = cli.home.resolve("report.xml");
        CliHarness.Result r = cli.rb("-o", "json", "verify", "--junit", xml.toString());
        assertThat(r.code()).isEqualTo(3);
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("checks")).hasSize(7);
        assertThat(doc.get("checks").get(5).get("kind").asText()).isEqualTo("metric");
        assertThat(doc.get("checks").get(5).get("verdict").asText()).isEqualTo("fail");
        assertThat(Files.readString(xml)).contains("<testcase").contains("name=\"error rate of virtuoso-api-00003-ghi\"")
                .contains("<failure");
    }

    @Test
    void rightAfterARollbackVerifyJudgesTheRevisionServingNowNotTheWindowsBrokenMinutes() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        CliHarness.Result r = cli.rb("-o", "json", "verify", "--metrics");
        // The service's window is still mostly the broken revision; 00002's own few seconds are too few to judge.
        assertThat(r.code()).as(r.out()).isZero();
        JsonNode checks = json.readTree(r.out()).get("checks");
        assertThat(checks).hasSize(2);
        assertThat(checks.get(0).get("name").asText()).isEqualTo("error rate of virtuoso-api-00002-def");
        assertThat(checks.get(0).get("verdict").asText()).isEqualTo("inconclusive");
        assertThat(checks.get(0).get("detail").asText()).endsWith(": inconclusive");
    }

    @Test
    void metricsWithTooLittleTrafficAreInconclusiveNeverPassedExit0AndExit3WithRequireMetrics() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();

        CliHarness.Result r = cli.rb("verify");

        // The HTTP checks pass; the metrics of the revision that serves since a moment ago cannot be judged yet.
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("? verification inconclusive for virtuoso-api at " + cli.sandbox.demoUrl()
                + ": too little traffic to judge error rate of virtuoso-api-00002-def, p95 latency of "
                + "virtuoso-api-00002-def\n").contains("  checks: 5/7 passed, 2 inconclusive in ")
                .doesNotContain("passed for");
        assertThat(r.err()).isEmpty();

        CliHarness.Result strict = cli.rb("-o", "json", "verify", "--require-metrics");
        assertThat(strict.code()).isEqualTo(3);
        JsonNode doc = json.readTree(strict.out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("error").asText()).isEqualTo("too little traffic to judge error rate of "
                + "virtuoso-api-00002-def, p95 latency of virtuoso-api-00002-def");
        assertThat(cli.rb("verify", "--health", "--require-metrics").out())
                .startsWith("✗ verification inconclusive for virtuoso-api").contains("(--require-metrics wants a verdict)")
                .contains("    ✓  health  /health ").contains("p95 latency of virtuoso-api-00002-def");
    }

    @Test
    void functionalChecksThatCannotRunForWantOfTheApiKeyAreExit2OkFalseNamingWhyAndNeverPassed() throws Exception {
        Path book = cli.home.resolve("env-key.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                .replace("secret: virtuoso-api-key", "env: API_KEY"));
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        Map<String, String> noKey = Map.of("API_KEY", "");
        int listed = cli.controls.demoRequests("GET /api/v1/commands");

        CliHarness.Result r = cli.run(noKey, "-r", book.toString(), "-o", "json", "verify", "--functional");

        assertThat(r.code()).isEqualTo(2);
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        String why = "list commands, execute command could not run: API key not available: set API_KEY or use "
                + "apiKey.secret (apiKey.env: API_KEY is not set)";
        assertThat(doc.get("error").asText()).isEqualTo(why);
        assertThat(doc.get("checks")).extracting(c -> c.get("verdict").asText()).containsOnly("inconclusive");
        assertThat(r.err()).isEqualTo("error: " + why + "\n");
        assertThat(cli.controls.demoRequests("GET /api/v1/commands")).as("not sent").isEqualTo(listed);

        CliHarness.Result text = cli.run(noKey, "-r", book.toString(), "verify");
        assertThat(text.code()).isEqualTo(2);
        assertThat(text.out()).startsWith("✗ verification incomplete for virtuoso-api at " + cli.sandbox.demoUrl() + ": "
                + why).contains("checks: 3/7 passed, 2 could not run, 2 inconclusive").doesNotContain("passed for");
    }

    @Test
    void aRevisionWithoutATagIsExit2WithTheTagCommandAndNothingIsChecked() throws Exception {
        CliHarness.Result r = cli.rb("verify", "--revision", "virtuoso-api-00001-abc");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: virtuoso-api-00001-abc has no tag URL, and a revision is reachable on its "
                + "own only through one: tag it with `rollback tag --revision virtuoso-api-00001-abc --name NAME` (it "
                + "keeps the traffic split), or check only its metrics with --metrics\n");
        assertThat(cli.controls.demoRequests("GET /health")).isZero();
        JsonNode doc = json.readTree(cli.rb("-o", "json", "verify", "--revision", "virtuoso-api-00001-abc").out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("error").asText()).contains("rollback tag --revision virtuoso-api-00001-abc --name NAME");
    }

    @Test
    void aRevisionWithoutATagThatAloneServesIsCheckedThroughTheServiceUrl() throws Exception {
        // The seeded broken revision serves 100% through LATEST, untagged.
        CliHarness.Result r = cli.rb("-o", "json", "verify", "--revision", "virtuoso-api-00003-ghi", "--health");

        assertThat(r.code()).as(r.err()).isEqualTo(3);
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("url").asText()).isEqualTo(cli.sandbox.demoUrl().toString());
        assertThat(doc.get("checks").get(0).get("status").asInt()).isEqualTo(503);
    }

    @Test
    void aHostThatRefusesTheConnectionIsExit4NetworkNotExit3ServiceBroken() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;

        CliHarness.Result r = cli.rb("--url", url, "verify", "--health");

        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out()).startsWith("✗ verification could not reach the service for virtuoso-api at " + url
                + ": connection refused by 127.0.0.1:" + port + " after 2 attempts (3 checks)\n")
                .contains("checks: 0/3 passed, 3 could not reach the service");
        assertThat(r.err()).isEqualTo("error: connection refused by 127.0.0.1:" + port + " after 2 attempts (3 "
                + "checks)\n");
        JsonNode doc = json.readTree(cli.rb("--url", url, "-o", "json", "verify", "--health").out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("checks").get(0).get("verdict").asText()).isEqualTo("fail");
    }

    @Test
    void aPostCheckTheServingRevisionAnswers500IsSentOnceWhileTheGetIsRetried() {
        CliHarness.Result r = cli.rb("verify", "--functional");

        assertThat(r.code()).isEqualTo(3);
        assertThat(cli.controls.demoRequests("POST /api/v1/commands/step/assert/exists")).isEqualTo(1);
        // The sandbox runbook's checks.retries is 1.
        assertThat(cli.controls.demoRequests("GET /api/v1/commands")).isEqualTo(2);
        assertThat(r.out()).contains("HTTP 500 (expected 200): {\"status\": \"error\", \"revision\": "
                + "\"virtuoso-api-00003-ghi\"}; not retried: POST is not idempotent; add `idempotent: true` to the check "
                + "if it is");
    }

    @Test
    void functionalChecksAskedForWithoutARunbookThatHasAnyAreExit2NamingWhereTheyComeFrom() {
        CliHarness.Result r = cli.run("--project", "virtuoso-sandbox", "--region", "us-central1", "--service",
                "virtuoso-api", "verify", "--functional");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).startsWith("✗ verification incomplete for virtuoso-api at " + cli.sandbox.demoUrl()
                + ": functional checks could not run: none configured: they are the runbook's checks.functional (-r "
                + "FILE or ROLLBACK_RUNBOOK)\n");
    }

    @Test
    void verifyOneRevisionThroughItsTagUrl() throws Exception {
        CliHarness.Result r = cli.rb("-o", "json", "verify", "--revision", "virtuoso-api-00002-def", "--health");
        assertThat(r.code()).isZero();
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("url").asText()).isEqualTo(cli.sandbox.demoUrl() + "/t/stable-2024-07-24");
        // Revision metrics need no tag: 00001 serves nothing, so its metrics are inconclusive, never a pass.
        CliHarness.Result untagged = cli.rb("verify", "--revision", "virtuoso-api-00001-abc", "--metrics");
        assertThat(untagged.code()).isZero();
        assertThat(untagged.out()).startsWith("? verification inconclusive").contains("no requests");
    }
}

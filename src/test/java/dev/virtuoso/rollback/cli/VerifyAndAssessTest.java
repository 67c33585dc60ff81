package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void withoutARunbookVerifySaysItRanNoFunctionalChecks() {
        CliHarness.Result r = cli.run("--project", "virtuoso-sandbox", "--region", "us-central1", "--service",
                "virtuoso-api", "verify", "--functional");
        assertThat(r.out()).contains("functional checks").contains("none run: they are the runbook's "
                + "checks.functional (-r FILE or ROLLBACK_RUNBOOK)");
    }

    @Test
    void verifyOneRevisionThroughItsTagUrl() throws Exception {
        CliHarness.Result r = cli.rb("-o", "json", "verify", "--revision", "virtuoso-api-00002-def", "--health");
        assertThat(r.code()).isZero();
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("url").asText()).isEqualTo(cli.sandbox.demoUrl() + "/t/stable-2024-07-24");
        CliHarness.Result untagged = cli.rb("verify", "--revision", "virtuoso-api-00001-abc");
        assertThat(untagged.out()).contains("has no tag URL");
        // Revision metrics: 00001 serves nothing, so its metrics are inconclusive, never a pass.
        assertThat(untagged.out()).contains("no requests");
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** notify.slack through the real wiring, against the sandbox's stand-in for Slack's Web API. */
class SlackBotTokenTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private List<JsonNode> messages() throws Exception {
        List<JsonNode> all = new ArrayList<>();
        for (String body : cli.controls.webhookMessages()) {
            all.add(new ObjectMapper().readTree(body));
        }
        return all;
    }

    @Test
    void aRollbackPostsToTheChannelThenRepliesInItsThreadAndSharesTheIncidentChartThere() throws Exception {
        Path book = cli.runbookWithSlackBot();

        CliHarness.Result r = cli.run(cli.slackBotEnv(), "-r", book.toString(), "quick", "--previous", "--yes",
                "--reason", "5xx after v1.2.1");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out() + r.err()).doesNotContain("warning: Slack");
        List<JsonNode> posted = messages();
        assertThat(posted).hasSizeGreaterThanOrEqualTo(2);
        assertThat(posted.get(0).path("channel").asText()).isEqualTo("#incidents");
        assertThat(posted.get(0).has("thread_ts")).isFalse();
        assertThat(posted.get(0).path("text").asText()).startsWith("rollback quick --previous on ")
                .endsWith("; reason: 5xx after v1.2.1");
        // The sandbox numbers its messages from 1700000001: the first message is the thread.
        for (JsonNode reply : posted.subList(1, posted.size())) {
            assertThat(reply.path("thread_ts").asText()).isEqualTo("1700000001.000100");
            assertThat(reply.path("channel").asText()).isEqualTo("C0SANDBOX1");
        }
        assertThat(posted.get(posted.size() - 1).path("text").asText()).startsWith("✓ applied and verified in ");
        String id = cli.journal().get(0).path("id").asText();
        long png = Files.size(cli.home.resolve("incidents").resolve(id).resolve("metrics.png"));
        assertThat(cli.controls.slackFiles()).containsExactly("metrics.png (" + png + " bytes) in thread "
                + "1700000001.000100 of C0SANDBOX1");
    }

    @Test
    void slackAnsweringOkFalseIsAWarningNamingItsErrorAndTheRollbackStillSucceeds() throws Exception {
        Path book = cli.runbookWithSlackBot();
        cli.controls.refuseSlackCalls("not_in_channel");

        CliHarness.Result r = cli.run(cli.slackBotEnv(), "-r", book.toString(), "quick", "--previous", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("warning: Slack chat.postMessage failed: not_in_channel")
                .contains("warning: Slack: metrics.png not shared: the incident's first message was not posted");
        assertThat(cli.controls.webhookMessages()).isEmpty();
        assertThat(cli.controls.slackFiles()).isEmpty();
    }
}

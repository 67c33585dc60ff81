package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code --reason}: why a change was made, kept with it for whoever looks later. */
class ReasonTest {
    private static final String WHY = "5xx spike after v1.2.1 (INC-4411)";
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void theReasonIsJournaledShownByHistoryAndSentWithTheNotification() throws Exception {
        CliHarness.Result r = cli.run(cli.slackEnv(), "-r", cli.runbookWithSlack().toString(), "quick", "--previous",
                "--yes", "--no-verify", "--reason", WHY);

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(cli.journal()).isNotEmpty().allSatisfy(line -> assertThat(line.path("reason").asText()).isEqualTo(WHY));
        assertThat(cli.controls.webhookMessages().get(0)).endsWith("; reason: " + WHY + "\"}");
        String id = cli.journal().get(0).path("id").asText();
        assertThat(cli.rb("history", id).out()).contains("\nwhy:      " + WHY + "\n");
        JsonNode json = Json.mapper().readTree(cli.rb("history", "-o", "json").out());
        assertThat(json.path("records").get(0).path("reason").asText()).isEqualTo(WHY);
    }

    @Test
    void undoRefusingOverALaterJournaledChangeSaysWhyThatChangeWasMade() {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        String first = cli.rb("history", "-o", "json").out();
        String firstId = first.substring(first.indexOf("\"id\" : \"") + 8).split("\"")[0];
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify", "--reason",
                "00002 leaks memory").code()).isZero();

        CliHarness.Result undo = cli.rb("undo", firstId, "--yes");

        assertThat(undo.code()).as(undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("changed by ").contains(": quick --to-revision virtuoso-api-00001-abc, "
                + "reason: 00002 leaks memory)");
    }
}

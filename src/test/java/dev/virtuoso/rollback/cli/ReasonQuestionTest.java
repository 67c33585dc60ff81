package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A change made on a terminal without --reason asks why, between its plan and its question. */
class ReasonQuestionTest {
    private static final String WHY = "Why? (one line, journaled; Enter to skip): ";

    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void onATerminalTheReasonIsAskedAfterThePlanBeforeTheQuestionAndIsJournaledAndNotified() throws Exception {
        cli.interactive = true;
        cli.stdin = "5xx after v1.2.1, INC-4411\ny\n";

        CliHarness.Result r = cli.run(cli.slackEnv(), "-r", cli.runbookWithSlack().toString(), "quick", "--previous",
                "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        // As written: the spinner that follows rewrites the question's row on the screen itself.
        String screen = r.terminal();
        int plan = screen.indexOf("traffic after:");
        int why = screen.indexOf(WHY);
        int question = screen.indexOf("Apply this change to ");
        assertThat(plan).isNotNegative();
        assertThat(why).isGreaterThan(plan);
        assertThat(question).isGreaterThan(why);
        assertThat(cli.journal()).isNotEmpty().allSatisfy(line -> assertThat(line.path("reason").asText())
                .isEqualTo("5xx after v1.2.1, INC-4411"));
        assertThat(cli.controls.webhookMessages().get(0)).endsWith("; reason: 5xx after v1.2.1, INC-4411\"}");
    }

    @Test
    void enterSkipsTheReasonAndTheChangeGoesAheadWithoutOne() throws Exception {
        cli.interactive = true;
        cli.stdin = "\ny\n";

        CliHarness.Result r = cli.rb("quick", "--previous", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.terminal()).contains(WHY);
        assertThat(cli.journal()).isNotEmpty().allSatisfy(line -> assertThat(line.has("reason")).isFalse());
    }

    @Test
    void noReasonIsAskedWithReasonWithYesInADryRunOrWhenTheRunbookSaysAskReasonFalse() throws Exception {
        Path quiet = cli.home.resolve("quiet.yaml");
        Files.writeString(quiet, Files.readString(Path.of("runbooks/sandbox.yaml")) + "askReason: false\n");
        cli.interactive = true;

        cli.stdin = "y\n";
        CliHarness.Result given = cli.rb("quick", "--previous", "--no-verify", "--reason", "given");
        cli.stdin = "";
        CliHarness.Result yes = cli.rb("quick", "--to-latest", "--accept-rolled-back", "--no-verify", "--yes");
        CliHarness.Result dry = cli.rb("--dry-run", "quick", "--previous");
        cli.stdin = "y\n";
        CliHarness.Result off = cli.run(java.util.Map.of(), "-r", quiet.toString(), "quick", "--previous",
                "--no-verify");

        for (CliHarness.Result r : new CliHarness.Result[] {given, yes, dry, off}) {
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.terminal()).doesNotContain("Why?");
        }
        assertThat(given.terminal()).contains("Apply this change to ");
        assertThat(off.terminal()).contains("Apply this change to ");
        assertThat(cli.journal()).extracting(line -> line.path("reason").asText(null)).containsOnly("given", null);
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `assess` names the command that rolls back, as the person can paste it. */
class AssessCommandTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    /** The line "roll back with: COMMAND", its words as a POSIX shell reads them (single quotes and \\'). */
    private static List<String> printedCommand(String out) {
        String line = out.lines().filter(l -> l.startsWith("  roll back with: ")).findFirst().orElseThrow();
        String command = line.substring("  roll back with: ".length());
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c == '\\' && !quoted) {
                word.append(command.charAt(++i));
                any = true;
            } else if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    words.add(word.toString());
                }
                word.setLength(0);
                any = false;
            } else {
                word.append(c);
                any = true;
            }
        }
        words.add(word.toString());
        return words;
    }

    @Test
    void rightAfterARollbackItPointsAtTheRevisionServingNowNotAtASecondRollback() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();

        CliHarness.Result r = cli.rb("assess");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("\n  virtuoso-api-00002-def serves because of `quick --previous` ")
                .contains("; the window still holds minutes from before it. Judge what serves now with: rollback -r "
                        + "runbooks/sandbox.yaml assess --revision virtuoso-api-00002-def\n")
                .doesNotContain("roll back with:");
    }

    @Test
    void criticalPrintsTheCommandWithTheRunbookGivenAndThatCommandRollsBack() {
        CliHarness.Result r = cli.rb("assess");

        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).contains("critical — immediate rollback — within 5m")
                .contains("\n  roll back with: rollback -r runbooks/sandbox.yaml quick --previous\n");
        List<String> command = printedCommand(r.out());
        assertThat(command.get(0)).isEqualTo("rollback");
        List<String> args = new ArrayList<>(command.subList(1, command.size()));
        args.add("--yes");
        CliHarness.Result rolledBack = cli.run(args.toArray(String[]::new));
        assertThat(rolledBack.code()).as(rolledBack.out() + rolledBack.err()).isZero();
        assertThat(cli.controls.trafficStatuses()).contains("REVISION virtuoso-api-00002-def 100% tag stable-2024-07-24");
    }

    @Test
    void withTargetFlagsAndNoRunbookTheCommandNamesTheSameService() {
        CliHarness.Result r = cli.run("--project", "virtuoso-sandbox", "--region", "us-central1", "--service",
                "virtuoso-api", "assess");

        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).contains("\n  roll back with: rollback --project virtuoso-sandbox --region us-central1 "
                + "--service virtuoso-api quick --previous\n");
    }

    @Test
    void aRunbookPathWithASpaceIsQuotedForTheShellAndJsonCarriesTheCommand() throws Exception {
        Path dir = Files.createDirectories(cli.home.resolve("on call"));
        Path book = Files.copy(Path.of("runbooks/sandbox.yaml"), dir.resolve("it's.yaml"));

        CliHarness.Result r = cli.run("-r", book.toString(), "assess");

        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).contains("roll back with: rollback -r '" + cli.home + "/on call/it'\\''s.yaml' quick "
                + "--previous");
        assertThat(printedCommand(r.out()).subList(1, 3)).containsExactly("-r", book.toString());
        String json = cli.run("-o", "json", "-r", book.toString(), "assess").out();
        assertThat(new ObjectMapper().readTree(json).get("command").asText()).isEqualTo("rollback -r '" + cli.home
                + "/on call/it'\\''s.yaml' quick --previous");
    }

    @Test
    void noCommandIsPrintedWhenNoTriggerFired() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        cli.controls.setRequestsPerMinute(0);

        CliHarness.Result r = cli.rb("assess");

        assertThat(r.code()).isZero();
        assertThat(r.out()).doesNotContain("roll back with");
    }
}

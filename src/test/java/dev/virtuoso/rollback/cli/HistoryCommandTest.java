package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HistoryCommandTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void oneLinePerActionWithinHundredColumnsSayingWhoWhatFromToOutcomeAndBy() {
        cli.manualTime();
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--percent", "10", "--yes").code()).isZero();
        assertThat(cli.run("undo", "--yes", "--no-verify").code()).isZero();
        assertThat(cli.rb("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report", cli.home.resolve("r").toString(),
                "--yes").code()).isZero();

        List<String> lines = cli.run("history").out().lines().toList();
        assertThat(lines.get(0)).startsWith("ID    TIME            WHO     WHAT ");
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(100));
        // Four actions (the drill is one, its steps are in its record), then the hint.
        assertThat(lines).hasSize(6);
        assertThat(lines.get(1)).matches("[0-9a-f]{4}  \\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  tester  quick --previous +"
                + "00003-ghi → 00002-def +verified +manual");
        assertThat(lines.get(2)).contains("quick --to-revisio…").contains("00002-def → 00001-abc 10%");
        assertThat(lines.get(3)).contains("undo ").contains("00002-def → 00002-def").contains("manual");
        assertThat(lines.get(4)).contains("drill --bad-revisi…").contains("00002-def → 00003-ghi");
    }

    @Test
    void historyReadsALongJournalOnlyAsFarBackAsItShows() throws Exception {
        cli.manualTime();
        for (int i = 0; i < 3; i++) {
            assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
            assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        }
        // The oldest step's newest line, damaged after its id: a history that stops short of it never reads it.
        java.nio.file.Path file = cli.home.resolve("journal.jsonl");
        List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(file));
        String oldest = lines.get(0).substring(0, lines.get(0).indexOf(",\"time\""));
        int newestOfOldest = 0;
        for (int i = 0; i < lines.size(); i++) {
            newestOfOldest = lines.get(i).startsWith(oldest + ",") ? i : newestOfOldest;
        }
        lines.set(newestOfOldest, oldest + ",\"time\": 12");
        java.nio.file.Files.write(file, lines);

        CliHarness.Result shown = cli.run("history", "--limit", "5");
        assertThat(shown.code()).as(shown.err()).isZero();
        assertThat(shown.out().lines().filter(l -> l.contains("quick --to-revisio"))).hasSize(5);
        CliHarness.Result all = cli.run("history", "--limit", "0");
        assertThat(all.code()).isEqualTo(2);
        assertThat(all.err()).contains("journal.jsonl line ").contains(" is damaged");
    }

    @Test
    void historyIdShowsTheWholeRecordAndADrillsSteps() {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        assertThat(cli.rb("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report", cli.home.resolve("r").toString(),
                "--yes").code()).isZero();
        String shortId = cli.run("history").out().lines().skip(2).findFirst().orElseThrow().substring(0, 4);
        CliHarness.Result whole = cli.run("history", shortId);
        assertThat(whole.code()).as(whole.err()).isZero();
        assertThat(whole.out()).contains("what:     drill --bad-revision virtuoso-api-00003-ghi")
                .contains("change:   virtuoso-api-00002-def → virtuoso-api-00003-ghi")
                .contains("outcome:  verified (changed something)");
        // Broken, then recovered; the original traffic was the recovered one, so restoring it changed nothing.
        assertThat(whole.out().lines().filter(l -> l.startsWith("step:")).toList()).hasSize(2)
                .anyMatch(l -> l.contains("virtuoso-api-00002-def → virtuoso-api-00003-ghi"))
                .anyMatch(l -> l.contains("virtuoso-api-00003-ghi → virtuoso-api-00002-def"));
        assertThat(cli.run("history", "-v").out()).contains("step:");
    }

    @Test
    void anAutomaticRollbackSaysWhichAutomationActed() {
        cli.manualTime();
        assertThat(cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "1m").code()).isIn(0, 3);
        List<String> lines = cli.run("history").out().lines().toList();
        assertThat(lines.get(1)).contains("quick --previous").endsWith("watch");
    }

    @Test
    void anUndoIsShownWithTheShortIdOfTheStepItUndidAndItsForceWhole() throws Exception {
        cli.manualTime();
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        String first = cli.journal().get(0).get("id").asText();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        // Undoing the older step over the newer one needs --force: both words are on the line.
        assertThat(cli.run("undo", first, "--force", "--yes", "--no-verify").code()).isZero();

        List<String> lines = cli.run("history").out().lines().toList();

        String shortId = first.substring(first.lastIndexOf('-') + 1);
        assertThat(lines.get(3)).contains("  undo " + shortId + " --force  ").doesNotContain("…");
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(100));
    }

    @Test
    void anUndoThatWorkedButWhoseChecksFailedIsAppliedChecksFailedNotFailed() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        cli.controls.imageIsBroken(dev.virtuoso.rollback.sandbox.Sandbox.IMAGE + ":v1.2.0");
        assertThat(cli.run("undo", "--yes").code()).isEqualTo(3);

        List<String> lines = cli.run("history").out().lines().toList();

        assertThat(lines.get(2)).contains("undo ").contains("  applied, checks failed  manual");
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(112));
        assertThat(cli.run("history", "-v").out()).contains("outcome:  applied, checks failed (changed something)");
        assertThat(cli.journal().get(cli.journal().size() - 1).path("outcome").asText()).isEqualTo("checksFailed");
    }

    @Test
    void theOutcomeIsTheRecordsOwnFieldWhateverItsDetailSays() throws Exception {
        java.nio.file.Files.writeString(cli.home.resolve("journal.jsonl"), "{\"id\":\"20261207T010000Z-0a1b\","
                + "\"time\":\"2026-12-07T01:00:00Z\",\"user\":\"bob\",\"command\":\"quick --previous\",\"target\":"
                + "\"projects/p/locations/r/services/s\",\"kind\":\"traffic\",\"before\":[],\"after\":[],\"state\":"
                + "\"failed\",\"detail\":\"checks: none of them passed\",\"changed\":true,\"outcome\":\"checksFailed\"}\n");

        List<String> lines = cli.run("history").out().lines().toList();

        assertThat(lines.get(1)).contains("quick --previous").contains("  applied, checks failed  manual");
    }

    @Test
    void aChangeInterruptedAfterItWasSentThatTookEffectSaysItIsInEffect() throws Exception {
        // Ctrl-C while waiting for the update, once Cloud Run has applied it but before the tool saw
        // that: the first wait is interrupted, the re-read after it is not. The operation takes a
        // second, so the tool is surely still waiting for it, however busy the machine.
        try (CliHarness slow = new CliHarness(dev.virtuoso.rollback.sandbox.Sandbox.Options.defaults()
                .withOperationDelay(java.time.Duration.ofSeconds(1)))) {
            boolean[] interrupted = {false};
            slow.sleeper = d -> {
                if (!interrupted[0]) {
                    interrupted[0] = true;
                    for (int i = 0; i < 500 && !slow.controls.trafficStatuses().equals(
                            dev.virtuoso.rollback.sandbox.SandboxControls.PREVIOUS_SERVES); i++) {
                        Thread.sleep(10);
                    }
                    throw new InterruptedException();
                }
                Thread.sleep(Math.min(d.toMillis(), 20));
            };
            CliHarness.Result quick = slow.rb("quick", "--previous", "--yes", "--no-verify");
            assertThat(interrupted[0]).as("the wait was interrupted").isTrue();
            assertThat(quick.code()).as(quick.err()).isEqualTo(130);
            assertThat(quick.err()).contains("the change was sent and is in effect");

            List<String> lines = slow.run("history").out().lines().toList();

            assertThat(lines.get(1)).contains("quick --previous").contains("  interrupted, in effect  manual");
        }
    }

    /** Cuts the journal's last line after {@code keep} bytes, as a crash in the middle of an append does. */
    private byte[] cutLastLine(int keep) throws Exception {
        java.nio.file.Path file = cli.home.resolve("journal.jsonl");
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int start = bytes.length - 1;
        while (start > 0 && bytes[start - 1] != '\n') {
            start--;
        }
        byte[] torn = java.util.Arrays.copyOfRange(bytes, start, start + keep);
        java.nio.file.Files.write(file, java.util.Arrays.copyOf(bytes, start + keep));
        return torn;
    }

    @Test
    void aJournalCutMidRecordByACrashStillShowsHistoryAndLetsTheNextRollbackRun() throws Exception {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        byte[] torn = cutLastLine(50);

        CliHarness.Result history = cli.run("history");
        assertThat(history.code()).as(history.err()).isZero();
        assertThat(history.err()).matches("warning: the journal .*journal.jsonl ends with an incomplete line \\(50 bytes, "
                + "an append cut short by a crash\\); left it out, and the next change moves it aside\\R");
        assertThat(history.out()).contains("quick --to-revisio");

        CliHarness.Result quick = cli.rb("quick", "--previous", "--yes", "--no-verify");
        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(quick.err()).contains("ended with an incomplete line (50 bytes, an append cut short by a crash); "
                + "moved it to " + cli.home.resolve("journal.jsonl.torn-"));

        // Every line is a whole record again, the torn bytes are kept beside it, and the new step shows.
        assertThat(cli.journal()).last().satisfies(r -> assertThat(r.path("command").asText()).isEqualTo("quick --previous"));
        try (var files = java.nio.file.Files.list(cli.home)) {
            java.nio.file.Path aside = files.filter(f -> f.getFileName().toString().startsWith("journal.jsonl.torn-"))
                    .findFirst().orElseThrow();
            assertThat(java.nio.file.Files.readAllBytes(aside)).isEqualTo(torn);
        }
        CliHarness.Result after = cli.run("history");
        assertThat(after.err()).isEmpty();
        assertThat(after.out().lines().toList().get(2)).contains("quick --previous");
    }

    @Test
    void damageInTheMiddleOfTheJournalIsStillExit2NamingTheFileAndLine() throws Exception {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        java.nio.file.Path file = cli.home.resolve("journal.jsonl");
        List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(file));
        lines.set(1, "{not a record");
        java.nio.file.Files.write(file, lines);
        cutLastLine(20);

        CliHarness.Result history = cli.run("history");
        assertThat(history.code()).isEqualTo(2);
        assertThat(history.err()).contains("error: the journal " + file + " line 2 is damaged");
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isEqualTo(2);
    }
}

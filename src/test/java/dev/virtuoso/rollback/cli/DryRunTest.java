package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every mutating command with --dry-run, against the sandbox: the count of mutating calls over
 * every emulated API and the Slack webhook stays 0, the journal is not written, no report is.
 */
class DryRunTest {
    private final CliHarness cli = new CliHarness();
    private final List<String> ran = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private CliHarness.Result dry(Path book, String... args) {
        List<String> all = new ArrayList<>(List.of("-r", book.toString(), "--dry-run"));
        all.addAll(List.of(args));
        CliHarness.Result r = cli.run(cli.slackEnv(),
                all.toArray(String[]::new));
        ran.add(String.join(" ", args));
        // A watch whose trigger fires exits 3 whether or not it acts.
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isEqualTo(args[0].equals("watch") ? 3 : 0);
        assertThat(r.err()).as(String.join(" ", args)).doesNotContain("error:");
        return r;
    }

    @Test
    void everyMutatingCommandWithDryRunMakesZeroMutatingCalls() throws Exception {
        Path book = cli.runbookWithSlack();
        Path reports = cli.home.resolve("drills");
        var seed = cli.service();

        assertThat(dry(book, "quick", "--previous", "--yes").out()).contains("dry run: route 100% of virtuoso-api "
                + "traffic to virtuoso-api-00002-def (nothing changed)");
        // No --yes and no terminal: a dry run has nothing to confirm.
        assertThat(dry(book, "quick", "--to-revision", "virtuoso-api-00001-abc", "--percent", "10").out())
                .contains("dry run: route 10% of virtuoso-api traffic to virtuoso-api-00001-abc");
        dry(book, "quick", "--to-tag", "stable-2024-07-24", "--yes");
        assertThat(dry(book, "tag", "--name", "stable-2026-12-01").out()).contains("dry run: tag virtuoso-api-00003-ghi");
        assertThat(dry(book, "drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report", reports.toString()).out())
                .contains("Drill plan for virtuoso-sandbox/us-central1/virtuoso-api:")
                .contains("  1. route 100% to the bad revision virtuoso-api-00003-ghi (it serves 100% already)")
                .contains("dry run: nothing changed");
        assertThat(dry(book, "drill", "--sandbox", "--report", reports.toString()).out())
                .contains("dry run: nothing changed");
        assertThat(dry(book, "drill", "--bad-image", "registry.example/bad:v9", "--stable-revision",
                "virtuoso-api-00002-def", "--report", reports.toString()).out())
                .contains("  1. deploy registry.example/bad:v9 as virtuoso-api-rollback-").contains("dry run: nothing changed");
        assertThat(dry(book, "image", "--previous", "--yes").out()).contains("dry run:");
        assertThat(dry(book, "image", "--image", "registry.example/bad:v9", "--yes").out())
                .contains("dry run: deploy registry.example/bad:v9");
        assertThat(dry(book, "alert-policy", "--apply").out()).contains("dry run: create alert policy");
        assertThat(dry(book, "restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes").out())
                .contains("dry run: make latest of secret virtuoso-api-key serve the payload of version 2");
        assertThat(dry(book, "restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h").out())
                .contains("one transaction: DELETE FROM command_executions")
                .contains("dry run: restore analytics.command_executions to ");
        assertThat(dry(book, "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes").out())
                .contains("copy job from daily_totals@").contains("dry run: restore analytics.daily_totals");
        assertThat(dry(book, "restore", "firestore", "--from", cli.sandbox.firestoreExport()).out())
                .contains("dry run: import every collection in the export from " + cli.sandbox.firestoreExport());
        cli.manualTime();
        assertThat(dry(book, "watch", "--auto", "--interval", "10s", "--for", "1m").out())
                .contains("trigger held for 30s").contains("dry run: route 100% of virtuoso-api traffic to "
                        + "virtuoso-api-00002-def (nothing changed)").contains("already planned once in this run");
        cli.stdin = RespondCommandTest.incident("0.dry", "open");
        assertThat(dry(book, "respond").out()).contains("dry run: route 100% of virtuoso-api traffic to "
                + "virtuoso-api-00002-def (nothing changed)");
        // A row that asks a person first only notifies: a dry run posts nothing and journals nothing.
        Path judge = cli.home.resolve("judge.yaml");
        Files.writeString(judge, Files.readString(book) + "decisionMatrix:\n"
                + "  - {severity: critical, minErrorRate: 0.5, action: evaluate then rollback, within: 30m}\n");
        cli.stdin = RespondCommandTest.incident("0.judge", "open");
        assertThat(dry(judge, "respond", "--yes").out()).contains("dry run: would notify: ");
        cli.clock = java.time.Clock.systemUTC();
        assertThat(dry(book, "alert-policy", "--apply", "--pubsub-topic", "rollback-incidents").out())
                .contains("dry run: create alert policy");

        assertThat(cli.controls.mutatingCalls()).as("mutating calls of " + ran).isZero();
        assertThat(cli.controls.webhookMessages()).as("Slack posts of " + ran).isEmpty();
        assertThat(cli.service()).isEqualTo(seed);
        assertThat(cli.home.resolve("journal.jsonl")).doesNotExist();
        assertThat(reports).doesNotExist();

        // undo needs a step to undo: one real change, then its dry undo and a dry un-pin.
        assertThat(cli.run(cli.slackEnv(), "-r", book.toString(),
                "quick", "--previous", "--yes").code()).isZero();
        int calls = cli.controls.mutatingCalls();
        List<String> journal = Files.readAllLines(cli.home.resolve("journal.jsonl"));
        var changed = cli.service();
        assertThat(dry(book, "undo").out()).contains("dry run: restore the traffic of virtuoso-api recorded before");
        // The stable revision serves: a drill checks it is healthy first, but a dry one sends no POST check.
        int posts = cli.controls.demoRequests("POST /api/v1/commands/step/assert/exists");
        assertThat(dry(book, "drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report", reports.toString())
                .out()).contains("dry run: nothing changed");
        assertThat(cli.controls.demoRequests("POST /api/v1/commands/step/assert/exists")).isEqualTo(posts);
        assertThat(dry(book, "quick", "--to-latest").out()).contains("dry run: route 100% of virtuoso-api traffic to "
                + "the latest Ready revision");
        assertThat(cli.controls.mutatingCalls()).as("mutating calls of the dry undo and un-pin").isEqualTo(calls);
        assertThat(cli.service()).isEqualTo(changed);
        assertThat(Files.readAllLines(cli.home.resolve("journal.jsonl"))).isEqualTo(journal);
        System.out.println("dry runs: " + ran.size() + " mutating command lines, 0 mutating calls");
    }

    @Test
    void aDryRunRefusesAnIncidentDirTheRealRunCouldNotWriteAndCreatesNoFolder() throws Exception {
        Path file = java.nio.file.Files.writeString(cli.home.resolve("plain.txt"), "x");
        CliHarness.Result refused = cli.rb("quick", "--previous", "--dry-run", "--incident-dir", file.toString());
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(2);
        assertThat(refused.err().strip()).isEqualTo("error: cannot write the incident directory (--incident-dir) "
                + file + ": it exists and is not a directory");
        assertThat(refused.out()).isEmpty();

        List<Path> before;
        try (var files = java.nio.file.Files.walk(cli.home)) {
            before = files.sorted().toList();
        }
        Path records = cli.home.resolve("records");
        CliHarness.Result fine = cli.rb("quick", "--previous", "--dry-run", "--incident-dir", records.toString());
        assertThat(fine.code()).as(fine.out() + fine.err()).isZero();
        assertThat(fine.out()).contains("dry run: route 100% of virtuoso-api traffic to virtuoso-api-00002-def");
        try (var files = java.nio.file.Files.walk(cli.home)) {
            assertThat(files.sorted().toList()).isEqualTo(before);
        }
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void aDryRunWithABotTokenPostsNothingAndSharesNoFile() throws Exception {
        Path book = cli.runbookWithSlackBot();

        CliHarness.Result r = cli.run(cli.slackBotEnv(), "-r", book.toString(), "--dry-run", "quick", "--previous",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(cli.controls.webhookMessages()).isEmpty();
        assertThat(cli.controls.slackFiles()).isEmpty();
        assertThat(cli.controls.mutatingCalls()).isZero();
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CommandsTest {
    private final CliHarness cli = new CliHarness();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void eachCommandIsFiledUnderTheNameItsAnnotationGives() {
        assertThat(RootCommand.COMMANDS).hasSize(17).allSatisfy((name, ignored) -> assertThat(
                RootCommand.command(name).getAnnotation(picocli.CommandLine.Command.class).name()).isEqualTo(name));
    }

    @Test
    void statusShowsTrafficTagsAndRevisionsNewestFirst() throws Exception {
        CliHarness.Result r = cli.rb("status");
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("url: " + cli.sandbox.demoUrl())
                .contains("LATEST (= virtuoso-api-00003-ghi)  100%")
                .contains("stable-2024-07-24  " + cli.sandbox.demoUrl() + "/t/stable-2024-07-24");
        assertThat(r.out().indexOf("virtuoso-api-00004-jkl  no")).isLessThan(r.out().indexOf("virtuoso-api-00001-abc  yes"));
        JsonNode doc = json.readTree(cli.rb("-o", "json", "status").out());
        assertThat(doc.get("revisions")).hasSize(4);
        assertThat(doc.get("service").get("latestReadyRevision").asText()).isEqualTo("virtuoso-api-00003-ghi");
    }

    @Test
    void tagKeepsTheSplitAndTheOldTags() {
        CliHarness.Result r = cli.rb("tag", "--name", "stable-2026-11-28", "--yes");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("tag virtuoso-api-00003-ghi as stable-2026-11-28");
        assertThat(cli.controls.traffic()).containsExactlyInAnyOrder("LATEST 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24",
                "REVISION virtuoso-api-00003-ghi 0% tag stable-2026-11-28");
        assertThat(cli.rb("tag", "--name", "stable-2026-11-28", "--yes").out()).contains("already tagged");
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void verifyFailsOnTheBrokenRevisionAndPassesAfterRollback() throws Exception {
        CliHarness.Result broken = cli.rb("verify");
        assertThat(broken.code()).isEqualTo(3);
        assertThat(broken.out()).contains("✗ verification failed").contains("HTTP 503").contains("HTTP 500");
        cli.rb("quick", "--previous", "--yes", "--no-verify");
        CliHarness.Result ok = cli.rb("-o", "json", "verify", "--health");
        assertThat(ok.code()).isZero();
        JsonNode doc = json.readTree(ok.out());
        assertThat(doc.get("ok").asBoolean()).isTrue();
        assertThat(doc.get("service").asText()).isEqualTo("virtuoso-api");
        assertThat(doc.get("url").asText()).isEqualTo(cli.sandbox.demoUrl().toString());
        assertThat(doc.get("checks")).hasSize(3);
        assertThat(doc.get("checks").get(0).get("kind").asText()).isEqualTo("health");
        assertThat(doc.get("checks").get(0).get("verdict").asText()).isEqualTo("pass");
        assertThat(doc.get("checks").get(0).get("status").asInt()).isEqualTo(200);
    }

    @Test
    void theApiKeyNeverAppearsInAnyOutputOrTheJournal() throws Exception {
        Path book = cli.home.resolve("env-key.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                .replace("secret: virtuoso-api-key", "env: API_KEY"));
        var env = java.util.Map.of("API_KEY", "wrong-key-7f3a9c");
        CliHarness.Result r = cli.run(env, "-r", book.toString(), "-o", "json", "quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out() + r.err()).doesNotContain("wrong-key-7f3a9c").contains("401");
        assertThat(Files.readString(cli.home.resolve("journal.jsonl"))).doesNotContain("wrong-key-7f3a9c");
    }

    @Test
    void aMissingApiKeyNeverBlocksARollbackItsChecksSayWhatWasNotChecked() throws Exception {
        Path book = cli.home.resolve("env-key.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                .replace("secret: virtuoso-api-key", "env: API_KEY"));
        CliHarness.Result r = cli.run(java.util.Map.of("API_KEY", ""), "-r", book.toString(), "quick", "--previous",
                "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(cli.mutations()).isEqualTo(1);
        // The plan warned, the health checks ran, the functional ones say why they did not.
        assertThat(r.out()).contains("note: not checked after the change: the functional checks that send the API key "
                + "will be inconclusive (API key not available: set API_KEY or use apiKey.secret")
                .contains("checks: 3/5 passed, 2 could not run in ").contains("?  functional  list commands");
        // `verify` itself is the check a pipeline relies on: a check it was asked for and could not run is exit 2.
        CliHarness.Result verify = cli.run(java.util.Map.of("API_KEY", ""), "-r", book.toString(), "verify",
                "--health", "--functional");
        assertThat(verify.code()).isEqualTo(2);
        assertThat(verify.out()).contains("API key not available: set API_KEY or use apiKey.secret");
    }

    @Test
    void historyAndUndoRestoreTheExactTrafficList() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        var original = cli.service().getTrafficList();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--percent", "60", "--yes").code()).isZero();
        CliHarness.Result history = cli.run("history");
        assertThat(history.out()).contains("quick").contains("verified").contains("tester");
        CliHarness.Result undo = cli.run("undo", "--yes");
        assertThat(undo.code()).isZero();
        assertThat(undo.out()).contains("restore the traffic of virtuoso-api recorded before");
        assertThat(cli.service().getTrafficList()).containsExactlyInAnyOrderElementsOf(original);
        JsonNode records = json.readTree(cli.run("-o", "json", "history").out()).get("records");
        assertThat(records).hasSize(3);
        assertThat(records.get(2).get("command").asText()).startsWith("undo ");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cli.home.resolve("journal.jsonl")))).isEqualTo("rw-------");
    }

    @Test
    void drillInTheSandboxDetectsRecoversAndWritesReports() throws Exception {
        Path reports = cli.home.resolve("drills");
        // The user's own project, runbook, URL and team journal (gcloud defaults, ROLLBACK_RUNBOOK, flags,
        // ROLLBACK_JOURNAL) must not leak into the sandbox: its checks would go to production.
        CliHarness.Result r = cli.run(java.util.Map.of("CLOUDSDK_CORE_PROJECT", "my-real-project",
                "CLOUDSDK_RUN_REGION", "europe-west4", "ROLLBACK_RUNBOOK", "/nonexistent/prod.yaml",
                "ROLLBACK_JOURNAL", "gs://team-journal/prod"), "--url",
                "https://api.example.invalid", "--service", "prod-api", "drill", "--sandbox", "--report",
                reports.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("✓ drill passed").contains("time to detect:").contains("time to recover:")
                .contains("ran by:").contains("tester").contains("sandbox.yaml (built in)")
                .contains("checks that saw it:").contains("/health/ready")
                .contains("no journal kept (an in-process sandbox, gone when the drill ended)");
        Path md;
        try (var files = Files.list(reports)) {
            List<Path> written = files.toList();
            assertThat(written).extracting(p -> p.getFileName().toString())
                    .anyMatch(n -> n.endsWith(".md")).anyMatch(n -> n.endsWith(".json"));
            md = written.stream().filter(p -> p.toString().endsWith(".md")).findFirst().orElseThrow();
        }
        // The report to keep says what the console said, figure for figure.
        String report = Files.readString(md);
        List<String> figures = r.out().lines().filter(l -> l.matches("  [a-z ]+:  +.*")).toList();
        assertThat(figures).hasSize(10);
        for (String f : figures) {
            String label = f.strip().substring(0, f.strip().indexOf(':'));
            String value = f.substring(f.indexOf(':') + 1).strip();
            assertThat(report).contains("- " + label + ": " + value);
        }
        // The in-process sandbox has its own journal: the user's is untouched.
        assertThat(cli.home.resolve("journal.jsonl")).doesNotExist();
    }

    @Test
    void everyCommandsHelpRendersCleanly() {
        // picocli reports a description it cannot format on System.err, past our own streams.
        var systemErr = System.err;
        var captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            helpOfEveryCommand();
        } finally {
            System.setErr(systemErr);
        }
        assertThat(captured.toString()).doesNotContain("WARN");
    }

    private void helpOfEveryCommand() {
        for (String cmd : new String[] {"status", "quick", "tag", "image", "git", "restore firestore",
            "restore bigquery", "restore secrets", "verify", "assess", "watch", "alert-policy", "drill", "history",
            "undo", "sandbox", "generate-completion"}) {
            CliHarness.Result r = cli.run((cmd + " --help").split(" "));
            assertThat(r.code()).as(cmd).isZero();
            assertThat(r.out() + r.err()).as(cmd).contains("Usage: rollback " + cmd).doesNotContain("WARN")
                    .doesNotContain("%n");
        }
    }

    @Test
    void helpShowsGlobalOptionsApartAndReadOnlyCommandsDoNotOfferDryRunOrYes() {
        String status = cli.run("status", "--help").out();
        assertThat(status).contains("Global options (every command):").doesNotContain("--dry-run")
                .doesNotContain("--yes");
        // Hidden, still accepted: a pipeline may pass them to every command.
        assertThat(cli.rb("--dry-run", "--yes", "status").code()).isZero();
        String quick = cli.run("quick", "--help").out();
        assertThat(quick.indexOf("--to-revision")).isLessThan(quick.indexOf("Global options (every command):"));
        assertThat(quick.substring(quick.indexOf("Global options"))).contains("--dry-run").contains("-y, --yes");
    }

    @Test
    void examplesInHelpAreNeverWrappedMidCommand() {
        for (String cmd : new String[] {"quick", "drill", "verify", "watch", "sandbox", "history"}) {
            var help = cli.run(cmd, "--help").out();
            assertThat(help.lines()).as(cmd).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
            String examples = help.substring(help.indexOf("Example"));
            // Every line of an example is a whole command, or ends with a shell continuation.
            assertThat(examples.lines().skip(1).filter(l -> !l.isBlank()))
                    .as(cmd).allSatisfy(l -> assertThat(l).matches("  (rollback |\\. |ROLLBACK_RUNBOOK=|    ).*"));
        }
    }

    @Test
    void aStaleEmulatorVariableFailsAtOnceNamingTheVariableAndItsValue() {
        long t0 = System.nanoTime();
        CliHarness.Result r = cli.run(java.util.Map.of("CLOUD_RUN_EMULATOR_HOST", "127.0.0.1:1"), "-r",
                "runbooks/sandbox.yaml", "status");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: nothing answers at CLOUD_RUN_EMULATOR_HOST=127.0.0.1:1 (connection "
                + "refused): start `rollback sandbox` and export the lines it prints, or unset CLOUD_RUN_EMULATOR_HOST "
                + "to use Google");
    }

    @Test
    void aMisspeltCommandOrOptionGetsASuggestion() {
        assertThat(cli.run("quik").err()).contains("did you mean quick?");
        assertThat(cli.rb("quick", "--prevous").err()).contains("did you mean --previous or ");
    }

    @Test
    void statusColumnsAlignInColourAsInPlainText() {
        String plain = cli.rb("--no-color", "status").out();
        cli.interactive = true;
        String coloured = cli.rb("status").out();
        assertThat(coloured).contains("\u001b[");
        assertThat(coloured.replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(plain);
    }

    @Test
    void previousAfterAnUndoIsARollbackAgainNotAWalkBack() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertThat(cli.run("undo", "--yes", "--no-verify").code()).isZero();
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes", "--no-verify");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("route 100% of virtuoso-api traffic to virtuoso-api-00002-def");
    }

    @Test
    void undoingAnUndoSaysSoInItsPlan() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertThat(cli.run("undo", "--yes", "--no-verify").code()).isZero();
        CliHarness.Result again = cli.run("undo", "--yes", "--no-verify");
        assertThat(again.out()).contains("note: this undoes an undo (").contains("it puts back what `undo ");
    }

    @Test
    void helpAndUsageErrors() {
        CliHarness.Result help = cli.run("quick", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--to-revision=REVISION").contains("Examples:");
        CliHarness.Result none = cli.run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("missing a command");
        CliHarness.Result unknown = cli.run("quick", "--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().strip()).startsWith("error: Unknown option: '--frobnicate'");
    }

    @Test
    void completionStackTracesAndColour() {
        CliHarness.Result completion = cli.run("generate-completion");
        assertThat(completion.code()).isZero();
        assertThat(completion.out()).contains("complete -F").contains("quick").contains("--to-revision");

        CliHarness.Result plain = cli.rb("quick", "--to-revision", "nope", "--yes");
        assertThat(plain.err()).doesNotContain("at dev.virtuoso");
        CliHarness.Result traced = cli.rb("-e", "quick", "--to-revision", "nope", "--yes");
        assertThat(traced.err()).startsWith("error: revision nope does not belong").contains("at dev.virtuoso.rollback");

        cli.interactive = true;
        assertThat(cli.rb("status").out()).contains("\u001b[");
        assertThat(cli.rb("--no-color", "status").out()).doesNotContain("\u001b[");
        assertThat(cli.run(java.util.Map.of("NO_COLOR", "1"), "-r", "runbooks/sandbox.yaml", "status").out())
                .doesNotContain("\u001b[");
    }
}

package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs target/rollback as a process against `rollback sandbox`, the way users do. */
class SandboxEndToEndIT {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static Process sandbox;
    private static final Map<String, String> env = new HashMap<>();

    @TempDir
    static Path home;

    /** {@code summaryMillis}: until the summary's last line (`  journal: …`) was printed; -1: never. */
    record Run(int code, String out, String err, long millis, long summaryMillis) {
    }

    @BeforeAll
    static void startSandbox() throws IOException {
        sandbox = new ProcessBuilder(LAUNCHER, "sandbox", "--operation-delay", "300ms")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        env.putAll(exportsOf(sandbox));
        assertThat(env).containsKeys("CLOUD_RUN_EMULATOR_HOST", "MONITORING_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST");
        env.put("ROLLBACK_HOME", home.toString());
        env.put("ROLLBACK_INCIDENT_DIR", home.toString() + "/incidents");
        env.put("ROLLBACK_RUNBOOK", "runbooks/sandbox.yaml");
        env.put("NO_GCE_CHECK", "true");
    }

    /** The `export VAR=value` lines `rollback sandbox` prints before it says it is ready. */
    static Map<String, String> exportsOf(Process sandbox) throws IOException {
        Map<String, String> vars = new HashMap<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(sandbox.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null && !line.startsWith("# try"); line = lines.readLine()) {
            if (line.startsWith("export ")) {
                String[] kv = line.substring(7).split("=", 2);
                vars.put(kv[0], kv[1]);
            }
        }
        return vars;
    }

    @AfterAll
    static void stopSandbox() throws InterruptedException {
        sandbox.destroy();
        assertThat(sandbox.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Run rollback(String... args) throws Exception {
        return rollback(env, args);
    }

    private static Run rollback(Map<String, String> environment, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        StringBuilder out = new StringBuilder();
        long summary = -1;
        BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            out.append(line).append('\n');
            if (summary < 0 && line.startsWith("  journal: ")) {
                summary = (System.nanoTime() - t0) / 1_000_000;
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out.toString(), new String(err.get(), StandardCharsets.UTF_8),
                (System.nanoTime() - t0) / 1_000_000, summary);
    }

    @Test
    void eachRestoreAndItsUndoRunThroughTheLauncherAgainstTheSandboxProcess() throws Exception {
        assertThat(env).containsKeys("FIRESTORE_ADMIN_EMULATOR_HOST", "GCS_EMULATOR_HOST", "BIGQUERY_EMULATOR_HOST");

        Run secrets = rollback("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes");
        assertThat(secrets.code()).as(secrets.err()).isZero();
        assertThat(secrets.out()).contains("add version 4 holding the payload of version 2");

        Run table = rollback("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("rows: 32 before → 30 after (expected 30)").contains("checks: 1/1 passed");

        var list = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                rollback("-o", "json", "restore", "firestore", "--list").out());
        String export = list.get("operations").get(0).get("prefix").asText();
        Run firestore = rollback("restore", "firestore", "--from", export, "--yes");
        assertThat(firestore.code()).as(firestore.err()).isZero();
        assertThat(firestore.out()).contains("backup: gs://virtuoso-sandbox-backups/pre-restore-");

        Run undo = rollback("undo", "--yes");
        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("import from gs://virtuoso-sandbox-backups/pre-restore-");
    }

    @Test
    void twoEngineersWithTheirOwnJournalsUndoNeverOverwritesTheOthersLaterChange() throws Exception {
        Map<String, String> bob = new HashMap<>(env);
        bob.put("ROLLBACK_HOME", Files.createDirectories(home.resolve("bob")).toString());
        bob.put("ROLLBACK_INCIDENT_DIR", Files.createDirectories(home.resolve("bob")).toString() + "/incidents");
        bob.put("USER", "bob");
        String original = rollback("-o", "json", "status").out();

        Run a = rollback("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify");
        assertThat(a.code()).as(a.err()).isZero();
        Run b = rollback(bob, "quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify");
        assertThat(b.code()).as(b.err()).isZero();

        Run undo = rollback("undo", "--yes");
        assertThat(undo.code()).as(undo.err()).isEqualTo(5);
        assertThat(undo.out()).isEmpty();
        assertThat(undo.err()).contains("it now serves virtuoso-api-00001-abc (100%)").contains("nothing was sent");
        assertThat(rollback("status").out()).contains("virtuoso-api-00001-abc  100%");

        Run forced = rollback("undo", "--yes", "--force", "--no-verify");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(rollback("-o", "json", "history").out()).containsPattern("\"command\" : \"undo \\S+ --force\"");
        assertThat(traffic(rollback("-o", "json", "status").out())).isEqualTo(traffic(original));
    }

    /** The entries of the traffic list of a `status -o json` document, in no particular order. */
    private static List<String> traffic(String status) throws IOException {
        List<String> entries = new ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(status).get("service").get("traffic")
                .forEach(e -> entries.add(e.toString()));
        entries.sort(null);
        return entries;
    }

    @Test
    void quickPreviousMovesTrafficWaitsAndVerifiesInUnderASecondAndAHalfMoreThanAStatus() throws Exception {
        Run refused = rollback("quick", "--previous");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();

        // Best of three, each undone again: the machine is shared and noisy, so the rollback is
        // judged against a `status` run in the same rounds (the same JVM start and first read).
        long best = Long.MAX_VALUE;
        long bestSummary = Long.MAX_VALUE;
        long bestStatus = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            Run r = rollback("quick", "--previous", "--yes");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("✓ route 100% of virtuoso-api traffic to virtuoso-api-00002-def")
                    .contains("checks: 5/5 passed");
            best = Math.min(best, r.millis());
            bestSummary = Math.min(bestSummary, r.summaryMillis());

            Run status = rollback("status");
            assertThat(status.out()).contains("virtuoso-api-00002-def  100%  stable-2024-07-24");
            bestStatus = Math.min(bestStatus, status.millis());

            Run undo = rollback("undo", "--yes", "--no-verify");
            assertThat(undo.code()).isZero();
            assertThat(rollback("status").out()).contains("LATEST (= virtuoso-api-00003-ghi)  100%");
        }
        System.out.println("quick --previous --yes, best of 3: summary printed after " + bestSummary + " ms, process "
                + "ended after " + best + " ms; status in the same rounds: " + bestStatus + " ms");
        // Until the user reads that it is done, beyond what a status costs: the update, a 300 ms
        // server-side operation, the wait and five checks.
        assertThat(bestSummary).as("the summary was printed").isPositive();
        assertThat(bestSummary - bestStatus).as("quick --previous, to its summary, beyond a status").isLessThan(1500);
        // Then the incident record is completed (its second read of metrics and logs, its charts), at
        // most 5 s by design; the sandbox answers at once, so far less.
        assertThat(best - bestSummary).as("from the summary to the end of the process").isLessThan(2500);
        assertThat(Files.readAllLines(home.resolve("journal.jsonl"))).hasSizeGreaterThanOrEqualTo(15);
    }

    @Test
    void theSandboxsSampleIncidentRollsBackOnceThroughRespondAndItsRedeliveryChangesNothing() throws Exception {
        Process own = new ProcessBuilder(LAUNCHER, "sandbox").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> saved = new HashMap<>(env);
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(own.getInputStream(), StandardCharsets.UTF_8));
            String incident = null;
            for (String line = lines.readLine(); line != null && !line.startsWith("# try"); line = lines.readLine()) {
                if (line.startsWith("export ")) {
                    String[] kv = line.substring(7).split("=", 2);
                    env.put(kv[0], kv[1]);
                }
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^# an open Cloud Monitoring incident about "
                        + "virtuoso-api, as its alert policy would send it: (\\S+) \\(rollback respond").matcher(line);
                if (m.find()) {
                    incident = m.group(1);
                }
            }
            assertThat(incident).isNotNull();
            // A journal of its own: the other tests' rollbacks of their sandboxes name the same service.
            env.put("ROLLBACK_HOME", Files.createTempDirectory(home, "respond-").toString());
            Run first = rollback("respond", "--yes", "--event", incident);
            assertThat(first.code()).as(first.out() + first.err()).isZero();
            assertThat(first.out()).contains("rolling back to the previous revision").contains("checks: 5/5 passed");
            assertThat(rollback("status").out()).contains("virtuoso-api-00002-def  100%  stable-2024-07-24");
            Run again = rollback("respond", "--yes", "--event", incident);
            assertThat(again.code()).as(again.err()).isZero();
            assertThat(again.out()).contains(" was already handled by step ");
        } finally {
            own.destroy();
            env.clear();
            env.putAll(saved);
        }
    }

    @Test
    void watchAutoRollsBackExactlyOnceAndKeepsWatching() throws Exception {
        // A fresh sandbox of its own: the other test moves traffic on the shared one.
        Process own = new ProcessBuilder(LAUNCHER, "sandbox").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> saved = new HashMap<>(env);
        try {
            env.putAll(exportsOf(own));
            Path book = home.resolve("watch.yaml");
            Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml")).replace("sustain: 30s", "sustain: 1s"));
            Run r = rollback("-r", book.toString(), "watch", "--auto", "--yes", "--interval", "1s", "--for", "4s");
            assertThat(r.out()).contains("rolling back to the previous revision");
            assertThat(r.out().split("route 100% of virtuoso-api traffic to", -1)).hasSize(3); // plan + summary, once
            // Judged by its own metrics, the revision rolled back to does not fire: no second rollback.
            assertThat(r.out().substring(r.out().indexOf("watching the outcome"))).doesNotContain("FIRING");
            assertThat(rollback("-r", book.toString(), "status").out())
                    .contains("virtuoso-api-00002-def  100%  stable-2024-07-24");
        } finally {
            own.destroy();
            env.clear();
            env.putAll(saved);
        }
    }

    @Test
    void aJournalCutShortByACrashNeitherBlocksHistoryNorTheNextRollback(@TempDir Path own) throws Exception {
        // A sandbox and a journal of its own: the other tests move traffic on the shared ones.
        Process sandbox = new ProcessBuilder(LAUNCHER, "sandbox").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Map<String, String> mine = new HashMap<>(env);
            mine.putAll(exportsOf(sandbox));
            mine.put("ROLLBACK_HOME", own.toString());
            mine.put("ROLLBACK_INCIDENT_DIR", own.toString() + "/incidents");
            Path journal = own.resolve("journal.jsonl");
            Run first = rollback(mine, "quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify");
            assertThat(first.code()).as(first.err()).isZero();
            // The last append stopped by a crash half-way through its line.
            String text = Files.readString(journal);
            String torn = text.substring(text.lastIndexOf('\n', text.length() - 2) + 1, text.length() - 20);
            Files.writeString(journal, text.substring(0, text.length() - 20));

            Run history = rollback(mine, "history");
            assertThat(history.code()).as(history.err()).isZero();
            assertThat(history.err()).startsWith("warning: the journal " + journal + " ends with an incomplete line");
            assertThat(history.out()).contains("quick --to-revisio");

            Run quick = rollback(mine, "quick", "--previous", "--yes", "--no-verify");
            assertThat(quick.code()).as(quick.err()).isZero();
            assertThat(quick.out()).contains("route 100% of virtuoso-api traffic to virtuoso-api-00001-abc");

            Run after = rollback(mine, "history");
            assertThat(after.code()).as(after.err()).isZero();
            assertThat(after.err()).isEmpty();
            assertThat(after.out().lines().toList().get(2)).contains("quick --previous").contains("00002-def → 00001-abc");
            try (var files = Files.list(own)) {
                Path aside = files.filter(f -> f.getFileName().toString().startsWith("journal.jsonl.torn-")).findFirst()
                        .orElseThrow();
                assertThat(Files.readString(aside)).isEqualTo(torn);
            }
        } finally {
            sandbox.destroy();
        }
    }

    @Test
    void ctrlCDuringAnUpdateIsJournaledAsInterrupted() throws Exception {
        Process slow = new ProcessBuilder(LAUNCHER, "sandbox", "--operation-delay", "20s")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> saved = new HashMap<>(env);
        try {
            env.putAll(exportsOf(slow));
            ProcessBuilder pb = new ProcessBuilder(LAUNCHER, "quick", "--previous", "--yes");
            pb.environment().putAll(env);
            Process p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line = out.readLine(); line != null && !line.startsWith("... waiting"); line = out.readLine()) {
                // the plan, until the wait begins
            }
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(130);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            // The update was sent before Ctrl-C: the journal and the message say so, and undo can pick it.
            assertThat(err).contains("the change was sent and is not in effect yet").contains("`rollback undo ");
            assertThat(rollback("-o", "json", "history").out()).contains("\"state\" : \"interrupted\"")
                    .contains("\"changed\" : true");
        } finally {
            slow.destroy();
            env.clear();
            env.putAll(saved);
        }
    }

    @Test
    void ctrlCStopsWatchWithExit130() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER, "watch", "--interval", "1s");
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).contains("5xx");
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("interrupted");
    }

    @Test
    void drillSandboxIsTheReadmesMainCommand() throws Exception {
        Path reports = home.resolve("reports");
        Run r = rollback("drill", "--sandbox", "--report", reports.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("✓ drill passed");
        try (var files = Files.list(reports)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }

    /** The emulator variables of an in-process sandbox, a journal of its own, the sandbox runbook. */
    private static Map<String, String> envFor(Sandbox sandbox, Path journalHome) {
        Map<String, String> e = new HashMap<>(sandbox.emulatorVariables());
        e.put("ROLLBACK_HOME", journalHome.toString());
        e.put("ROLLBACK_INCIDENT_DIR", journalHome.toString() + "/incidents");
        e.put("ROLLBACK_RUNBOOK", "runbooks/sandbox.yaml");
        e.put("NO_GCE_CHECK", "true");
        return e;
    }

    private static Process start(Map<String, String> environment, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(environment);
        return pb.start();
    }

    /** Reads the process's stdout until a line starts with {@code prefix}; returns what it read. */
    private static String until(Process p, String prefix) throws IOException {
        StringBuilder seen = new StringBuilder();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            seen.append(line).append('\n');
            if (line.startsWith(prefix)) {
                return seen.toString();
            }
        }
        throw new AssertionError("never printed a line starting with '" + prefix + "':\n" + seen);
    }

    @Test
    void killedWhileWaitingThenRunAgainConvergesWithOneUpdateInAll() throws Exception {
        try (Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ofSeconds(3)))) {
            SandboxControls controls = new SandboxControls(sandbox);
            Map<String, String> e = envFor(sandbox, Files.createDirectories(home.resolve("kill9")));
            Process p = start(e, "quick", "--previous", "--yes");
            until(p, "... waiting");
            p.destroyForcibly(); // kill -9: no handler runs, the journal step stays `planned`
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(controls.cloudRunMutations()).isEqualTo(1);

            Run again = rollback(e, "quick", "--previous", "--yes");
            assertThat(again.code()).as(again.out() + again.err()).isZero();
            assertThat(again.out()).contains("already in flight").contains("adopted the change already in flight")
                    .contains("checks: 5/5 passed");
            assertThat(controls.cloudRunMutations()).as("UpdateService calls in all").isEqualTo(1);
            assertThat(controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
            assertThat(controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
            String history = rollback(e, "-o", "json", "history").out();
            assertThat(history.split("\"state\" : \"planned\"", -1)).hasSize(2); // the killed run's step
            assertThat(history).contains("\"state\" : \"verified\"");
        }
    }

    @Test
    void ctrlCDuringADrillPutsTheOriginalTrafficBackAndExits130() throws Exception {
        try (Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(500)))) {
            SandboxControls controls = new SandboxControls(sandbox);
            var original = controls.service().getTrafficList();
            Map<String, String> e = envFor(sandbox, Files.createDirectories(home.resolve("drill-int")));
            // A "bad" revision that passes the checks keeps the drill waiting to detect it: Ctrl-C there.
            Process p = start(e, "drill", "--bad-revision", "virtuoso-api-00001-abc", "--stable-revision",
                    "virtuoso-api-00002-def", "--detect-timeout", "1m", "--report", home.resolve("r").toString(), "--yes");
            until(p, "drill: verifying, expecting failure");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(err).isEqualTo(130);
            assertThat(err).contains("drill interrupted; the original traffic of virtuoso-api is restored");
            assertThat(controls.service().getTrafficList()).containsExactlyInAnyOrderElementsOf(original);
            assertThat(controls.service().getReconciling()).isFalse();
            assertThat(rollback(e, "history", "-v").out()).contains("drill interrupted; original traffic restored");
        }
    }

    /** git as a developer runs it, with no user or system configuration. */
    private static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_TERMINAL_PROMPT", "0", "GIT_AUTHOR_NAME", "On Call", "GIT_AUTHOR_EMAIL", "oncall@virtuoso.example",
                "GIT_COMMITTER_NAME", "On Call", "GIT_COMMITTER_EMAIL", "oncall@virtuoso.example"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("git " + String.join(" ", args) + ": " + out).isZero();
        return out.strip();
    }

    /**
     * Methods 1, 2 and 3 against one `rollback sandbox --git-repo` with the default delays (300 ms
     * for a revision to start, 300 ms for an operation), each a whole process as users run it; prints
     * the wall time of each (the README's figures).
     */
    @Test
    void eachMethodRollsTheSandboxBackAndPrintsItsWallTime() throws Exception {
        Path repo = home.resolve("ci/virtuoso-api.git");
        Process own = new ProcessBuilder(LAUNCHER, "sandbox", "--git-repo", repo.toString(), "--operation-delay",
                "300ms").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> saved = new HashMap<>(env);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(own.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder printed = new StringBuilder();
            for (String line = out.readLine(); line != null && !line.startsWith("# try"); line = out.readLine()) {
                printed.append(line).append('\n');
                if (line.startsWith("export ")) {
                    String[] kv = line.substring(7).split("=", 2);
                    env.put(kv[0], kv[1]);
                }
            }
            env.put("ROLLBACK_HOME", home.resolve("methods").toString());
            // A folder named for the records must be there (only its last part is made).
            env.put("ROLLBACK_INCIDENT_DIR", Files.createDirectories(home.resolve("methods")) + "/incidents");
            assertThat(printed).contains("# CI: each push to main of " + repo + " deploys virtuoso-api as "
                    + Sandbox.IMAGE + ":<short sha>; clone it: git clone " + repo + " virtuoso-api\n");

            // Method 1: traffic to the previous Ready revision.
            Run quick = rollback("quick", "--previous", "--yes");
            assertThat(quick.code()).as(quick.out() + quick.err()).isZero();
            assertThat(rollback("undo", "--yes", "--no-verify").code()).isZero();

            // Method 2: the previous image, first served by the revision that runs it, then deployed anew.
            Run reuse = rollback("image", "--previous", "--yes");
            assertThat(reuse.code()).as(reuse.out() + reuse.err()).isZero();
            assertThat(reuse.out()).contains("already runs " + Sandbox.IMAGE + ":v1.1.0").contains("checks: 5/5 passed");
            assertThat(rollback("undo", "--yes", "--no-verify").code()).isZero();
            Run deploy = rollback("image", "--previous", "--force-redeploy", "--yes");
            assertThat(deploy.code()).as(deploy.out() + deploy.err()).isZero();
            assertThat(deploy.out()).contains("as virtuoso-api-rollback-").contains("checks: 5/5 passed");
            Run undone = rollback("undo", "--yes", "--no-verify");
            assertThat(undone.code()).as(undone.out() + undone.err()).isZero();
            assertThat(rollback("status").out()).contains("LATEST (= virtuoso-api-rollback-");

            // Method 3: revert the breaking commit (the seeded head), push, wait for CI's deploy.
            git(home, "clone", "--quiet", repo.toString(), home.resolve("ci/virtuoso-api").toString());
            Path work = home.resolve("ci/virtuoso-api");
            git(work, "config", "user.name", "On Call");
            git(work, "config", "user.email", "oncall@virtuoso.example");
            Run reverted = rollback("git", "--repo", work.toString(), "--yes");
            assertThat(reverted.code()).as(reverted.out() + reverted.err()).isZero();
            String sha = git(work, "rev-parse", "HEAD").substring(0, 7);
            String deployed = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        if (line.startsWith("# CI: main is at")) {
                            return line;
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(5, TimeUnit.SECONDS);
            assertThat(deployed).startsWith("# CI: main is at " + sha + ": deploying " + Sandbox.IMAGE + ":" + sha
                    + " as virtuoso-api-");
            String revision = deployed.substring(deployed.lastIndexOf(' ') + 1);
            assertThat(reverted.out()).contains(revision + " is Ready and serving").contains("checks: 5/5 passed");
            assertThat(rollback("status").out()).contains("LATEST (= " + revision + ")  100%");

            System.out.println("wall time against the sandbox, whole process: quick --previous " + quick.millis()
                    + " ms, image --previous (reuse) " + reuse.millis() + " ms, image --previous --force-redeploy "
                    + deploy.millis() + " ms, git " + reverted.millis() + " ms");
        } finally {
            own.destroy();
            env.clear();
            env.putAll(saved);
        }
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A team's journal in Cloud Storage (the sandbox's), and the lock of the service every mutating
 * step takes beside it, through the real wiring.
 */
class SharedJournalTest {
    private static final String JOURNAL = "gs://" + Sandbox.JOURNAL_BUCKET + "/team";
    private static final String LOCK = "team/locks/virtuoso-sandbox/us-central1/virtuoso-api";
    private final CliHarness cli = new CliHarness();
    private final Path secondHome;

    SharedJournalTest() throws IOException {
        secondHome = Files.createTempDirectory("rollback-second-");
    }

    @AfterEach
    void close() throws IOException {
        cli.close();
        try (var files = Files.walk(secondHome)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private CliHarness.Result shared(String... args) {
        return shared(Map.of(), args);
    }

    private CliHarness.Result shared(Map<String, String> env, String... args) {
        Map<String, String> all = new HashMap<>(env);
        all.put("ROLLBACK_JOURNAL", JOURNAL);
        all.putIfAbsent("HOSTNAME", "laptop");
        String[] line = new String[args.length + 2];
        line[0] = "-r";
        line[1] = "runbooks/sandbox.yaml";
        System.arraycopy(args, 0, line, 2, args.length);
        return cli.run(all, line);
    }

    /** History as JSON, read from another machine (another ROLLBACK_HOME) through the shared journal. */
    private JsonNode historyElsewhere() throws IOException {
        CliHarness.Result h = shared(Map.of("ROLLBACK_HOME", secondHome.toString()), "history", "-o", "json");
        assertThat(h.code()).as(h.err()).isZero();
        return new ObjectMapper().readTree(h.out());
    }

    /** The file records for this journal are kept in when they cannot be uploaded. */
    private Path spool() {
        return dev.virtuoso.rollback.adapter.gcp.GcsJournal.spoolFile(cli.home, Sandbox.JOURNAL_BUCKET, "team");
    }

    private List<String> recordWrites() {
        return cli.controls.storageWrites().stream().filter(w -> w.contains("/records/")).toList();
    }

    private static String lock(String holder, String command, String reason, Instant since, Instant expires) {
        return "{\"holder\":\"" + holder + "\",\"command\":\"" + command + "\",\"reason\":" + (reason == null ? "null"
                : "\"" + reason + "\"") + ",\"since\":\"" + since + "\",\"expires\":\"" + expires + "\"}";
    }

    private static final java.time.format.DateTimeFormatter HOUR = java.time.format.DateTimeFormatter
            .ofPattern("HH:mm 'UTC'").withZone(java.time.ZoneOffset.UTC);

    @Test
    void aQuickRollbackWritesEachStateAsANewObjectCreatedOnlyIfAbsentAndAnotherMachineReadsIt() throws IOException {
        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(cli.controls.journalObjects("team/records/")).hasSize(2)
                .allMatch(n -> n.matches("team/records/[0-9TZ]+-[0-9a-f]{4}/(1-planned|2-applied)\\.json"));
        assertThat(recordWrites()).hasSize(2).allMatch(w -> w.startsWith("POST ") && w.endsWith(" ifGenerationMatch=0 -> 200"));
        assertThat(Files.exists(cli.home.resolve("journal.jsonl"))).as("no local journal").isFalse();
        JsonNode records = historyElsewhere().get("records");
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("command").asText()).isEqualTo("quick --previous");
        assertThat(records.get(0).get("state").asText()).isEqualTo("applied");
        assertThat(records.get(0).get("to").asText()).isEqualTo("virtuoso-api-00002-def");
        // The lock was taken (created only if absent) and given back (its own generation only).
        assertThat(cli.controls.storageWrites()).first().asString()
                .startsWith("POST virtuoso-sandbox-journal/" + LOCK + " ifGenerationMatch=0 -> 200");
        assertThat(cli.controls.storageWrites()).last().asString()
                .matches("DELETE virtuoso-sandbox-journal/" + LOCK + " ifGenerationMatch=[1-9][0-9]* -> 204");
        assertThat(cli.controls.journalObjects("team/locks/")).isEmpty();
    }

    @Test
    void aServiceLockedByAColleagueStopsWithExit5NamingHolderCommandAndReasonChangesNothingAndJournalsTheRefusal()
            throws IOException {
        Instant since = Instant.now().minusSeconds(120);
        String alices = lock("alice@desk", "quick --previous", "checkout 500s", since, since.plusSeconds(900));
        cli.controls.putJournalObject(LOCK, alices);

        CliHarness.Result quick = shared("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isEqualTo(5);
        assertThat(quick.err()).isEqualTo("error: virtuoso-api in us-central1 is locked by alice@desk since "
                + HOUR.format(since) + " (quick --previous: checkout 500s); the lock expires at "
                + HOUR.format(since.plusSeconds(900)) + " unless its holder renews it: wait for it with --wait-lock 15m, "
                + "or ask alice@desk; nothing was changed\n");
        assertThat(cli.mutations()).isZero();
        assertThat(cli.controls.journalObject(LOCK)).isEqualTo(alices);
        // The team sees who was turned away: one state, failed, having changed nothing (undo never picks it).
        assertThat(cli.controls.journalObjects("team/records/")).singleElement().asString().endsWith("/1-failed.json");
        JsonNode refused = historyElsewhere().get("records").get(0);
        assertThat(refused.get("changed").asBoolean()).isFalse();
        assertThat(refused.get("detail").asText()).startsWith("not sent: virtuoso-api in us-central1 is locked by "
                + "alice@desk since ");
    }

    @Test
    void aDrillTakesTheServicesLockOnceBeforeItsFirstStepAndGivesItBackOnceAfterItsLast() {
        CliHarness.Result drill = shared("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--stable-revision",
                "virtuoso-api-00002-def", "--detect-timeout", "5s", "--recover-timeout", "5s", "--report",
                cli.home.resolve("drills").toString(), "--yes");

        assertThat(drill.code()).as(drill.out() + drill.err()).isZero();
        String lock = "virtuoso-sandbox-journal/" + LOCK;
        // Taken once, before the first step; given back once, after the last: three steps, one lease.
        assertThat(cli.controls.storageWrites().stream().filter(w -> w.startsWith("POST " + lock + " "))
                .filter(w -> w.contains("ifGenerationMatch=0 "))).hasSize(1);
        assertThat(cli.controls.storageWrites().stream().filter(w -> w.startsWith("DELETE " + lock + " "))).hasSize(1);
        assertThat(cli.controls.storageWrites()).last().asString().startsWith("DELETE " + lock + " ");
    }

    @Test
    void aDrillOnAServiceAColleagueHasLockedStopsWithExit5BeforeItsQuestion() {
        Instant since = Instant.now().minusSeconds(60);
        cli.controls.putJournalObject(LOCK, lock("alice@desk", "quick --previous", "5xx", since, since.plusSeconds(900)));
        cli.interactive = true;
        cli.stdin = "\ny\n";

        CliHarness.Result drill = shared("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--stable-revision",
                "virtuoso-api-00002-def", "--report", cli.home.resolve("drills").toString());

        assertThat(drill.code()).as(drill.out() + drill.err()).isEqualTo(5);
        assertThat(drill.err()).contains("is locked by alice@desk since ");
        assertThat(drill.out()).doesNotContain("Run the drill on");
        assertThat(cli.controls.cloudRunMutations()).isZero();
    }

    @Test
    void anExpiredLockIsTakenOverOnItsStaleGenerationAndTheTakeoverIsJournaledButNeverUndone() throws IOException {
        Instant since = Instant.now().minusSeconds(3600);
        cli.controls.putJournalObject(LOCK, lock("alice@desk", "image --previous", null, since, since.plusSeconds(900)));

        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(cli.controls.storageWrites().get(1)).matches("POST virtuoso-sandbox-journal/" + LOCK
                + " ifGenerationMatch=[1-9][0-9]* -> 200 \\(replaced\\)");
        JsonNode records = historyElsewhere().get("records");
        assertThat(records).hasSize(2);
        assertThat(records.get(0).get("command").asText()).isEqualTo("lock takeover");
        assertThat(records.get(0).get("detail").asText()).isEqualTo("took over the lock of virtuoso-api in us-central1 "
                + "by alice@desk since " + HOUR.format(since) + " (image --previous), expired at "
                + HOUR.format(since.plusSeconds(900)));
        assertThat(records.get(0).get("changed").asBoolean()).isFalse();

        CliHarness.Result undo = shared("undo", "--yes", "--no-verify");

        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(cli.controls.traffic()).isEqualTo(dev.virtuoso.rollback.sandbox.SandboxControls.SEED_TRAFFIC);
    }

    @Test
    void theLockIsReleasedWhenTheStepFails() {
        cli.controls.failNextUpdate(io.grpc.Status.PERMISSION_DENIED);

        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isEqualTo(4);
        assertThat(cli.controls.journalObjects("team/locks/")).isEmpty();
        assertThat(cli.controls.storageWrites()).last().asString().startsWith("DELETE virtuoso-sandbox-journal/" + LOCK);
    }

    @Test
    void theLockIsReleasedWhenTheStepIsInterrupted() throws IOException {
        cli.controls.setOperationDelay(Duration.ofSeconds(5)); // Ctrl-C comes while Cloud Run applies the change
        boolean[] interrupted = {false};
        cli.sleeper = d -> {
            if (!interrupted[0]) {
                interrupted[0] = true;
                throw new InterruptedException();
            }
            Thread.sleep(Math.min(d.toMillis(), 20));
        };

        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isEqualTo(130);
        assertThat(cli.controls.journalObjects("team/locks/")).isEmpty();
        assertThat(historyElsewhere().get("records").get(0).get("state").asText()).isEqualTo("interrupted");
    }

    @Test
    void aLockTakenOverWhileThePersonSatAtThePromptIsNoticedBeforeSendingAndNothingIsSent() {
        dev.virtuoso.rollback.sandbox.TestClock clock = new dev.virtuoso.rollback.sandbox.TestClock(Instant.now());
        cli.clock = clock;
        cli.interactive = true;
        cli.stdin = "\ny\n";
        // The laptop sleeps 16 minutes at the question; its lease expires and a colleague takes the lock.
        // The answer comes the moment it wakes, before the background renewal has looked.
        cli.atPrompt = () -> {
            clock.advance(Duration.ofMinutes(16));
            cli.controls.putJournalObject(LOCK, lock("bob@desk", "image --previous", null, clock.instant(),
                    clock.instant().plusSeconds(900)));
        };

        CliHarness.Result quick = shared("quick", "--previous", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isEqualTo(5);
        assertThat(quick.err()).contains("error: the lock of virtuoso-api in us-central1 expired at ")
                .contains(" and was taken by someone else; nothing was changed");
        assertThat(cli.mutations()).isZero();
        assertThat(cli.controls.journalObject(LOCK)).contains("bob@desk");
        assertThat(cli.controls.journalObjects("team/records/")).isEmpty();
    }

    @Test
    void aHardStopWhileCloudStorageHangsReturnsWithinSecondsKeepsTheInterruptedStepLocallyAndReleasesTheLockOnceAnswered()
            throws Exception {
        cli.controls.setOperationDelay(Duration.ofSeconds(2));
        Wiring[] wiring = {null};
        cli.wiringSeen = w -> wiring[0] = w;
        // While Cloud Run applies the change, Cloud Storage stops answering: the step's next record hangs.
        boolean[] hung = {false};
        cli.sleeper = d -> {
            if (!hung[0]) {
                hung[0] = true;
                cli.controls.hangStorage();
            }
            Thread.sleep(Math.min(d.toMillis(), 20));
        };
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            java.util.concurrent.Future<CliHarness.Result> quick = pool.submit(() -> shared("quick", "--previous", "--yes",
                    "--no-verify"));
            dev.virtuoso.rollback.sandbox.SandboxControls.awaitOtherThread(
                    () -> cli.controls.hangingStorageRequests() > 0, "the step never wrote its next record");

            // What the Ctrl-C handler does (the first asks whether a change is under way, the second stops at once).
            long start = System.nanoTime();
            java.util.concurrent.Future<String> stop = pool.submit(() -> wiring[0].changing() ? wiring[0].interrupted()
                    : "not changing");
            String said = stop.get(Wiring.RELEASE_AT_STOP.toSeconds() + 2, java.util.concurrent.TimeUnit.SECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;

            assertThat(ms).isLessThan(Wiring.RELEASE_AT_STOP.toMillis() + 2000);
            assertThat(said).startsWith("the change may be in effect; `rollback undo` puts back what was there before ")
                    .contains(" (quick --previous); `rollback history` shows where it stopped (kept in "
                            + spool() + " until the next command uploads it)");
            assertThat(Files.readString(spool())).contains("\"state\":\"interrupted\"");
            assertThat(cli.controls.journalObject(LOCK)).as("not released while Cloud Storage hangs").isNotNull();

            cli.controls.answerStorage();

            dev.virtuoso.rollback.sandbox.SandboxControls.awaitOtherThread(
                    () -> cli.controls.journalObjects("team/locks/").isEmpty(), "the lock was never released");
            assertThat(cli.controls.storageWrites()).anyMatch(w -> w.matches("DELETE virtuoso-sandbox-journal/" + LOCK
                    + " ifGenerationMatch=[1-9][0-9]* -> 204"));
            quick.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            cli.controls.answerStorage();
            pool.shutdownNow();
        }
    }

    @Test
    void aSecretInTheReasonIsRedactedFromTheLockColleaguesRead() throws IOException {
        Path book = cli.home.resolve("keyed.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                .replace("apiKey:\n  secret: virtuoso-api-key", "apiKey:\n  env: API_KEY"));
        String key = "AIzaSyD-not-a-real-key-0123456789";
        String[] lockSeen = {null};
        cli.interactive = true;
        cli.stdin = "\nn\n";
        cli.atPrompt = () -> lockSeen[0] = cli.controls.journalObject(LOCK);

        CliHarness.Result quick = cli.run(Map.of("ROLLBACK_JOURNAL", JOURNAL, "API_KEY", key), "-r", book.toString(),
                "quick", "--previous", "--no-verify", "--reason", "pasted the curl with " + key + " by mistake");

        assertThat(quick.err()).doesNotContain(key);
        assertThat(lockSeen[0]).contains("\"reason\":\"pasted the curl with [redacted] by mistake\"")
                .doesNotContain(key);
    }

    @Test
    void aDryRunLeavesRecordsKeptLocallyInPlaceAndWritesNothingToCloudStorage() throws IOException {
        cli.controls.failStorageWrites(403, 1, "-applied");
        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");
        assertThat(quick.code()).as(quick.err()).isZero();
        String kept = Files.readString(spool());
        int writes = cli.controls.storageWrites().size();

        CliHarness.Result dry = shared("quick", "--to-revision", "virtuoso-api-00001-abc", "--dry-run");

        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.err()).doesNotContain("uploaded");
        assertThat(cli.controls.storageWrites()).hasSize(writes);
        assertThat(Files.readString(spool())).isEqualTo(kept).contains("\"state\":\"applied\"");
        assertThat(cli.controls.journalObjects("team/records/")).singleElement().asString().endsWith("/1-planned.json");
    }

    @Test
    void aDryRunTakesNoLockAndWritesNothingToCloudStorage() {
        CliHarness.Result quick = shared("quick", "--previous", "--dry-run");

        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(cli.controls.storageWrites()).isEmpty();
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void aPlannedRecordThatCannotBeWrittenStopsTheStepBeforeAnyChangeWithExit4() {
        cli.controls.failStorageWrites(403, 1, "/records/");

        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isEqualTo(4);
        assertThat(quick.err()).startsWith("error: cannot write the shared journal gs://virtuoso-sandbox-journal/team/: ")
                .endsWith("; nothing was changed\n");
        assertThat(cli.mutations()).isZero();
        assertThat(cli.controls.traffic()).isEqualTo(dev.virtuoso.rollback.sandbox.SandboxControls.SEED_TRAFFIC);
        assertThat(cli.controls.journalObjects("team/")).isEmpty();
    }

    @Test
    void aLaterStateThatCannotBeWrittenIsKeptLocallyAndUploadedByTheNextCommand() throws IOException {
        cli.controls.failStorageWrites(403, 1, "-applied");

        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isZero();
        Path spool = spool();
        assertThat(quick.err()).contains("warning: could not write journal step ").contains(" applied to "
                + "gs://virtuoso-sandbox-journal/team/ (").contains("); kept it in " + spool + ", and the next command "
                + "that uses the shared journal uploads it");
        assertThat(cli.controls.journalObjects("team/records/")).hasSize(1);

        CliHarness.Result history = shared("history");

        assertThat(history.code()).as(history.err()).isZero();
        assertThat(history.err()).matches("warning: uploaded 1 journal record kept locally since \\S+ to "
                + "gs://virtuoso-sandbox-journal/team/\\R");
        assertThat(cli.controls.journalObjects("team/records/")).hasSize(2)
                .allMatch(n -> n.matches("team/records/[0-9TZ]+-[0-9a-f]{4}/(1-planned|2-applied)\\.json"));
        assertThat(Files.readString(spool)).isEmpty();
        assertThat(historyElsewhere().get("records").get(0).get("state").asText()).isEqualTo("applied");
        assertThat(recordWrites()).noneMatch(w -> w.contains("DELETE") || w.contains("replaced"));
    }

    @Test
    void waitLockWaitsForAColleaguesLockToExpireTakesItOverThenStopsSinceItsPlanPredatesTheWaitAndRunAgainGoesAhead()
            throws IOException {
        cli.manualTime();
        Instant since = cli.clock.instant().minusSeconds(880);
        cli.controls.putJournalObject(LOCK, lock("alice@desk", "quick --previous", null, since, since.plusSeconds(900)));

        CliHarness.Result waited = shared("quick", "--previous", "--yes", "--no-verify", "--wait-lock", "1m");

        assertThat(waited.code()).as(waited.err()).isEqualTo(5);
        assertThat(waited.out()).contains("... waiting for the lock of virtuoso-api in us-central1, held by alice@desk");
        assertThat(waited.err()).contains(" while this run planned, and that change may have changed what serves; "
                + "nothing was sent");
        assertThat(historyElsewhere().get("records").get(0).get("command").asText()).isEqualTo("lock takeover");
        assertThat(cli.controls.journalObjects("team/locks/")).isEmpty();

        CliHarness.Result again = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }

    @Test
    void afterWaitingForAColleaguesLockAPlanMadeBeforeTheirChangeIsNotSentAndTheLockIsGivenBack() {
        cli.manualTime();
        Instant since = cli.clock.instant();
        // Alice's lock runs out while this run waits (a takeover); her deploy lands during the wait.
        cli.controls.putJournalObject(LOCK, lock("alice@desk", "image --image v1.2.2", null, since, since.plusSeconds(20)));
        dev.virtuoso.rollback.port.Sleeper time = cli.sleeper;
        boolean[] landed = {false};
        cli.sleeper = d -> {
            time.sleep(d);
            if (!landed[0]) {
                landed[0] = true;
                cli.controls.deployElsewhere("virtuoso-api-00009-fix", Sandbox.IMAGE + ":v1.2.2");
                cli.controls.startRevisionsNow();
                cli.controls.completeOperationsNow();
            }
        };
        int before = cli.controls.cloudRunMutations();

        CliHarness.Result stale = shared("quick", "--previous", "--yes", "--no-verify", "--wait-lock", "1m");

        // "--previous" planned before her deploy would have meant her revision's predecessor: not sent.
        assertThat(stale.code()).as(stale.out() + stale.err()).isEqualTo(5);
        assertThat(stale.err()).startsWith("error: virtuoso-api in us-central1 was locked by alice@desk since ")
                .endsWith(" while this run planned, and that change may have changed what serves; nothing was sent: "
                        + "run the command again to plan from what is there now (`rollback status` shows it)\n");
        assertThat(cli.controls.cloudRunMutations()).isEqualTo(before);
        assertThat(cli.service().getLatestReadyRevision()).endsWith("/virtuoso-api-00009-fix");
        assertThat(cli.controls.traffic()).first().asString().startsWith("LATEST 100%");
        assertThat(cli.controls.journalObjects("team/locks/")).isEmpty();
    }

    @Test
    void waitLockStopsWithExit5WhenTheLockIsStillHeldAfterTheWait() {
        cli.manualTime();
        Instant since = cli.clock.instant();
        cli.controls.putJournalObject(LOCK, lock("alice@desk", "quick --previous", null, since, since.plusSeconds(900)));

        CliHarness.Result waited = shared("quick", "--previous", "--yes", "--no-verify", "--wait-lock", "30s");

        assertThat(waited.code()).as(waited.err()).isEqualTo(5);
        assertThat(waited.err()).contains("is locked by alice@desk since ").contains(" (waited 30s); ");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void theRunbooksJournalKeySharesTheJournalWithoutTheVariable() throws IOException {
        Path book = cli.home.resolve("team.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml")) + "journal: " + JOURNAL + "\n");

        CliHarness.Result quick = cli.run("-r", book.toString(), "quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(cli.controls.journalObjects("team/records/")).hasSize(2);
    }
}

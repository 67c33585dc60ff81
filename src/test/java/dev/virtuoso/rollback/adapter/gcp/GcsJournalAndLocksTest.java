package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceLocks;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import dev.virtuoso.rollback.sandbox.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared journal and the services' locks against the sandbox's Cloud Storage, as the client sends to it. */
class GcsJournalAndLocksTest {
    private static final ServiceRef API = new ServiceRef("p", "us-central1", "api");
    private static final String LOCK = "j/locks/p/us-central1/api";

    private final Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults());
    private final SandboxControls controls = new SandboxControls(sandbox);
    // The name other Google libraries read, with its scheme: honoured when GCS_EMULATOR_HOST is not set.
    private final GcpClients clients = new GcpClients(Map.of(GcpClients.STORAGE_EMULATOR_HOST,
            "http://" + sandbox.emulatorVariables().get("GCS_EMULATOR_HOST")));
    private final TestClock clock = new TestClock(Instant.parse("2026-12-07T03:00:00Z"));
    private final List<String> warnings = new ArrayList<>();
    private final Path home;

    GcsJournalAndLocksTest() throws IOException {
        home = Files.createTempDirectory("rollback-gcs-");
    }

    @AfterEach
    void close() throws IOException {
        clients.close();
        sandbox.close();
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private GcsJournal journal() {
        return journal("j");
    }

    private GcsJournal journal(String prefix) {
        return new GcsJournal(clients, Sandbox.JOURNAL_BUCKET, prefix, spool(prefix), clock, warnings::add, true);
    }

    private Path spool(String prefix) {
        return GcsJournal.spoolFile(home, Sandbox.JOURNAL_BUCKET, prefix);
    }

    private GcsServiceLocks locks(String holder, Duration waitFor, Duration tick) {
        return new GcsServiceLocks(clients, Sandbox.JOURNAL_BUCKET, "j", holder, new Wait(clock, clock::advance), waitFor,
                tick, warnings::add);
    }

    private JournalRecord planned(String id) {
        return new JournalRecord(id, clock.instant(), "tester", "quick --previous", API.path(), "traffic", null, null,
                JournalRecord.State.planned, "route 100% to api-00002");
    }

    @Test
    void everyStateIsANewObjectCreatedWithIfGenerationMatch0AndNothingIsReplacedOrDeleted() {
        GcsJournal journal = journal();
        JournalRecord r = planned("20261207T030000Z-0001");

        journal.append(r);
        journal.append(r.next(clock.instant(), JournalRecord.State.applied, null, "applied"));
        journal.append(r.next(clock.instant(), JournalRecord.State.verified, null, "verified"));

        assertThat(controls.journalObjects("j/records/")).containsExactly("j/records/20261207T030000Z-0001/1-planned.json",
                "j/records/20261207T030000Z-0001/2-applied.json", "j/records/20261207T030000Z-0001/3-verified.json");
        assertThat(controls.storageWrites()).hasSize(3)
                .allMatch(w -> w.startsWith("POST ") && w.endsWith(" ifGenerationMatch=0 -> 200"));
        assertThat(journal().history()).extracting(JournalRecord::state).containsExactly(JournalRecord.State.verified);
    }

    @Test
    void aNumberAnotherWriterTookFirstIsAnswered412AndTheRecordTakesTheNext() {
        controls.putJournalObject("j/records/20261207T030000Z-0001/1-planned.json", "{}");

        journal().append(planned("20261207T030000Z-0001"));

        assertThat(controls.storageWrites()).containsExactly(
                "POST virtuoso-sandbox-journal/j/records/20261207T030000Z-0001/1-planned.json ifGenerationMatch=0 -> 412",
                "POST virtuoso-sandbox-journal/j/records/20261207T030000Z-0001/2-planned.json ifGenerationMatch=0 -> 200");
        assertThat(controls.journalObject("j/records/20261207T030000Z-0001/1-planned.json")).isEqualTo("{}");
    }

    @Test
    void historyFromAnotherWriterHasEachStepsNewestStateOldestStepFirst() {
        GcsJournal mine = journal();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String id = "20261207T0300" + String.format("%02d", i % 60) + "Z-" + String.format("%04x", 100 - i);
            ids.add(id);
            JournalRecord r = planned(id);
            mine.append(r);
            mine.append(r.next(clock.instant(), JournalRecord.State.applied, null, "applied " + i));
        }

        long start = System.nanoTime();
        List<JournalRecord> history = journal().history();
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("history of 100 steps (200 objects) from the shared journal: " + ms + " ms");

        assertThat(history).extracting(JournalRecord::id).containsExactlyElementsOf(ids);
        assertThat(history).allMatch(r -> r.state() == JournalRecord.State.applied);
        assertThat(history.get(99).detail()).isEqualTo("applied 99");
    }

    @Test
    void aPlannedRecordThatCannotBeWrittenIsExit4AndALaterOneIsSpooledThenUploaded() throws IOException {
        controls.failStorageWrites(403, 1, "-planned");
        JournalRecord r = planned("20261207T030000Z-0001");

        assertThatThrownBy(() -> journal().append(r)).isInstanceOfSatisfying(RunbookException.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCode.API_FAILURE));

        GcsJournal journal = journal();
        journal.append(r);
        controls.failStorageWrites(403, 1, "-applied");
        journal.append(r.next(clock.instant(), JournalRecord.State.applied, null, "applied"));
        assertThat(warnings).singleElement().asString().startsWith("could not write journal step 20261207T030000Z-0001 "
                + "applied to gs://virtuoso-sandbox-journal/j/ (");
        assertThat(Files.readString(spool("j"))).contains("\"state\":\"applied\"");

        List<JournalRecord> history = journal().history();

        assertThat(warnings).last().isEqualTo("uploaded 1 journal record kept locally since " + clock.instant()
                + " to gs://virtuoso-sandbox-journal/j/");
        assertThat(history).extracting(JournalRecord::state).containsExactly(JournalRecord.State.applied);
        assertThat(controls.journalObjects("j/records/")).containsExactly(
                "j/records/20261207T030000Z-0001/1-planned.json", "j/records/20261207T030000Z-0001/2-applied.json");
    }

    @Test
    void aStateWrittenAfterAnEarlierOneWasKeptLocallyIsKeptTooSoTheUploadKeepsTheirOrder() throws IOException {
        Files.createFile(spool("j")); // empty, as an earlier upload leaves it: this run has looked at it already
        JournalRecord r = planned("20261207T030000Z-0001");
        GcsJournal journal = journal();
        journal.append(r);
        controls.failStorageWrites(403, 1, "-applied");
        journal.append(r.next(clock.instant(), JournalRecord.State.applied, null, "applied"));
        journal.append(r.next(clock.instant(), JournalRecord.State.verified, null, "verified"));

        assertThat(controls.journalObjects("j/records/")).containsExactly("j/records/20261207T030000Z-0001/1-planned.json");
        assertThat(journal().history()).extracting(JournalRecord::state).containsExactly(JournalRecord.State.verified);
        assertThat(controls.journalObjects("j/records/")).containsExactly("j/records/20261207T030000Z-0001/1-planned.json",
                "j/records/20261207T030000Z-0001/2-applied.json", "j/records/20261207T030000Z-0001/3-verified.json");
    }

    @Test
    void aRecordKeptLocallyForOneJournalIsNeverUploadedIntoAnotherOnlyIntoItsOwn() {
        JournalRecord r = planned("20261207T030000Z-0001");
        GcsJournal teamA = journal("team-a");
        teamA.append(r);
        controls.failStorageWrites(403, 1, "-applied");
        teamA.append(r.next(clock.instant(), JournalRecord.State.applied, null, "applied"));

        assertThat(journal("team-b").history()).isEmpty();
        assertThat(controls.journalObjects("team-b/")).isEmpty();

        assertThat(journal("team-a").history()).extracting(JournalRecord::state)
                .containsExactly(JournalRecord.State.applied);
        assertThat(controls.journalObjects("team-a/records/")).containsExactly(
                "team-a/records/20261207T030000Z-0001/1-planned.json",
                "team-a/records/20261207T030000Z-0001/2-applied.json");
    }

    @Test
    void aLockIsCreatedOnlyIfAbsentAndAnotherHolderIsRefusedWithExit5NamingIt() {
        ServiceLocks.Lease alices = locks("alice@desk", Duration.ZERO, Duration.ofHours(1)).acquire(API,
                "quick --previous", "checkout down", Progress.NONE);

        assertThatThrownBy(() -> locks("bob@laptop", Duration.ZERO, Duration.ofHours(1)).acquire(API, "image --previous",
                null, Progress.NONE)).isInstanceOfSatisfying(RunbookException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.CONFLICT);
                    assertThat(e.getMessage()).isEqualTo("api in us-central1 is locked by alice@desk since 03:00 UTC "
                            + "(quick --previous: checkout down); the lock expires at 03:15 UTC unless its holder renews "
                            + "it: wait for it with --wait-lock 15m, or ask alice@desk; nothing was changed");
                });
        assertThat(controls.journalObject(LOCK)).isEqualTo("{\"holder\":\"alice@desk\",\"command\":\"quick --previous\","
                + "\"reason\":\"checkout down\",\"since\":\"2026-12-07T03:00:00Z\",\"expires\":\"2026-12-07T03:15:00Z\"}");
        alices.release();
        assertThat(controls.journalObjects("j/locks/")).isEmpty();
        assertThat(controls.storageWrites()).first().asString().isEqualTo("POST virtuoso-sandbox-journal/" + LOCK
                + " ifGenerationMatch=0 -> 200");
    }

    @Test
    void aHeldLockIsRenewedOnItsOwnGenerationOnceAThirdOfTheLeaseHasPassed() {
        GcsServiceLocks locks = locks("alice@desk", Duration.ZERO, Duration.ofHours(1));
        GcsServiceLocks.Held lease = (GcsServiceLocks.Held) locks.acquire(API, "quick --previous", null, Progress.NONE);
        clock.advance(Duration.ofMinutes(4));
        lease.renewIfDue();
        assertThat(controls.storageWrites()).hasSize(1);

        clock.advance(Duration.ofMinutes(2));
        lease.renewIfDue();

        assertThat(controls.storageWrites().get(1)).matches("POST virtuoso-sandbox-journal/" + LOCK
                + " ifGenerationMatch=[1-9][0-9]* -> 200 \\(replaced\\)");
        assertThat(controls.journalObject(LOCK)).contains("\"since\":\"2026-12-07T03:00:00Z\"",
                "\"expires\":\"2026-12-07T03:21:00Z\"");
        assertThat(lease.lost()).isEmpty();
        lease.release();
        assertThat(controls.journalObjects("j/locks/")).isEmpty();
    }

    @Test
    void aRenewalWhoseAnswerWasLostIsRecognisedAsOursByItsBytesSoTheLockIsKeptAndReleased() {
        GcsServiceLocks.Held lease = (GcsServiceLocks.Held) locks("alice@desk", Duration.ZERO, Duration.ofHours(1))
                .acquire(API, "quick --previous", null, Progress.NONE);
        clock.advance(Duration.ofMinutes(6));
        controls.loseStorageAnswers(503, 1, "/locks/");

        lease.renewIfDue();

        assertThat(controls.storageWrites().subList(1, 3)).allMatch(w -> w.startsWith("POST virtuoso-sandbox-journal/"
                + LOCK)).extracting(w -> w.replaceAll(".* -> ", "")).containsExactly("503 (replaced)", "412");
        assertThat(lease.lost()).isEmpty();
        assertThat(lease.confirmHeld()).isEmpty();
        lease.release();
        assertThat(controls.journalObjects("j/locks/")).isEmpty();
    }

    @Test
    void confirmingALockThatExpiredAndWasTakenOverSaysItIsLostAndLeavesTheOtherLock() {
        GcsServiceLocks.Held lease = (GcsServiceLocks.Held) locks("alice@desk", Duration.ZERO, Duration.ofHours(1))
                .acquire(API, "quick --previous", null, Progress.NONE);
        clock.advance(Duration.ofMinutes(16)); // a laptop asleep at the prompt
        ServiceLocks.Lease bobs = locks("bob@laptop", Duration.ZERO, Duration.ofHours(1)).acquire(API,
                "image --previous", null, Progress.NONE);

        assertThat(lease.confirmHeld()).contains("the lock of api in us-central1 expired at 03:15 UTC and was taken by "
                + "someone else");
        lease.release();
        assertThat(controls.journalObject(LOCK)).contains("\"holder\":\"bob@laptop\"");
        bobs.release();
    }

    @Test
    void theBackgroundRenewalKeepsALongStepsLockAlive() throws InterruptedException {
        ServiceLocks.Lease lease = locks("alice@desk", Duration.ZERO, Duration.ofMillis(10)).acquire(API,
                "quick --previous", null, Progress.NONE);

        clock.advance(Duration.ofMinutes(20)); // a verification that took 20 minutes

        SandboxControls.awaitOtherThread(() -> controls.storageWrites().size() == 2, "the lock was never renewed");
        assertThat(controls.journalObject(LOCK)).contains("\"expires\":\"2026-12-07T03:35:00Z\"");
        lease.release();
    }

    @Test
    void aLockReplacedBySomeoneElseIsLostAndNotDeletedAtRelease() {
        GcsServiceLocks.Held lease = (GcsServiceLocks.Held) locks("alice@desk", Duration.ZERO, Duration.ofHours(1))
                .acquire(API, "quick --previous", null, Progress.NONE);
        controls.putJournalObject(LOCK, "{\"holder\":\"bob@laptop\"}");
        clock.advance(Duration.ofMinutes(6));

        lease.renewIfDue();
        lease.release();

        assertThat(lease.lost()).contains("the lock of api in us-central1 was taken by someone else while this command "
                + "held it");
        assertThat(controls.journalObject(LOCK)).isEqualTo("{\"holder\":\"bob@laptop\"}");
    }

    @Test
    void anExpiredLockIsTakenOverOnItsStaleGenerationAndSaysWhose() {
        ServiceLocks.Lease dead = locks("alice@desk", Duration.ZERO, Duration.ofHours(1)).acquire(API,
                "quick --previous", null, Progress.NONE);
        clock.advance(Duration.ofMinutes(16));

        ServiceLocks.Lease bobs = locks("bob@laptop", Duration.ZERO, Duration.ofHours(1)).acquire(API, "image --previous",
                null, Progress.NONE);

        assertThat(bobs.tookOver()).contains("took over the lock of api in us-central1 by alice@desk since 03:00 UTC "
                + "(quick --previous), expired at 03:15 UTC");
        assertThat(controls.storageWrites().get(2)).matches("POST virtuoso-sandbox-journal/" + LOCK
                + " ifGenerationMatch=[1-9][0-9]* -> 200 \\(replaced\\)");
        dead.release(); // the presumed-dead holder ends after all: it must not delete bob's lock
        assertThat(controls.journalObject(LOCK)).contains("\"holder\":\"bob@laptop\"");
        bobs.release();
        assertThat(controls.journalObjects("j/locks/")).isEmpty();
    }

    @Test
    void waitLockPollsWithTheInjectedSleeperAndTakesTheLockOnceItIsFree() {
        ServiceLocks.Lease alices = locks("alice@desk", Duration.ZERO, Duration.ofHours(1)).acquire(API,
                "quick --previous", null, Progress.NONE);
        List<String> progress = new ArrayList<>();
        Wait wait = new Wait(clock, d -> {
            clock.advance(d);
            if (clock.instant().isAfter(Instant.parse("2026-12-07T03:00:12Z"))) {
                alices.release();
            }
        });
        GcsServiceLocks bobs = new GcsServiceLocks(clients, Sandbox.JOURNAL_BUCKET, "j", "bob@laptop", wait,
                Duration.ofMinutes(1), Duration.ofHours(1), warnings::add);

        ServiceLocks.Lease lease = bobs.acquire(API, "image --previous", null, new Progress() {
            @Override
            public void update(String message) {
                progress.add(message);
            }

            @Override
            public void done(String message) {
            }
        });

        assertThat(progress).containsExactly(
                "waiting for the lock of api in us-central1, held by alice@desk since 03:00 UTC (quick --previous) "
                        + "(waited 0s of 1m)",
                "waiting for the lock of api in us-central1, held by alice@desk since 03:00 UTC (quick --previous) "
                        + "(waited 5s of 1m)",
                "waiting for the lock of api in us-central1, held by alice@desk since 03:00 UTC (quick --previous) "
                        + "(waited 10s of 1m)");
        assertThat(controls.journalObject(LOCK)).contains("\"holder\":\"bob@laptop\"");
        lease.release();
    }
}

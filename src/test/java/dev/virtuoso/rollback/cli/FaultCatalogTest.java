package dev.virtuoso.rollback.cli;

import static dev.virtuoso.rollback.sandbox.SandboxControls.PREVIOUS_SERVES;
import static dev.virtuoso.rollback.sandbox.SandboxControls.SEED_TRAFFIC;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import dev.virtuoso.rollback.port.Sleeper;
import dev.virtuoso.rollback.sandbox.Sandbox;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fault catalog (docs/reliability.md): each fault injected into the sandbox, with the real
 * Google clients on the wire, and what the tool must do about it. Killing the process (kill -9,
 * Ctrl-C) is in SandboxEndToEndIT, which runs the launcher.
 */
class FaultCatalogTest {
    private static final List<String> SURVIVED = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CliHarness cli = new CliHarness();

    FaultCatalogTest() {
        cli.sleeper = Sleeper.REAL; // waits on a real server take real time here
    }

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @AfterAll
    static void summary() {
        System.out.println("fault catalog: " + SURVIVED.size() + " faults handled as documented: " + SURVIVED);
    }

    private void survived(String fault, CliHarness.Result r) throws IOException {
        // Whatever happened, the API key never shows up in an output or the journal.
        Path journal = cli.home.resolve("journal.jsonl");
        assertThat(r.out() + r.err() + (Files.exists(journal) ? Files.readString(journal) : ""))
                .doesNotContain(Sandbox.API_KEY).doesNotContain("at dev.virtuoso");
        SURVIVED.add(fault);
    }

    private JsonNode lastRecord() throws IOException {
        List<String> lines = Files.readAllLines(cli.home.resolve("journal.jsonl"));
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    /** The traffic asked (the service's traffic list) and what serves (its statuses), every field of each entry. */
    private void assertTraffic(List<String> asked, List<String> serving) {
        assertThat(cli.controls.traffic()).as("traffic asked").containsExactlyInAnyOrderElementsOf(asked);
        assertThat(cli.controls.trafficStatuses()).as("traffic serving").containsExactlyInAnyOrderElementsOf(serving);
    }

    @Test
    void unavailableReadsAreRetriedAndTheCommandSucceeds() throws Exception {
        cli.controls.failReads(Status.UNAVAILABLE.withDescription("connection reset"), 2);
        CliHarness.Result r = cli.rb("status");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("LATEST (= virtuoso-api-00003-ghi)  100%");
        assertTraffic(SEED_TRAFFIC, SEED_TRAFFIC);
        survived("UNAVAILABLE on reads", r);
    }

    @Test
    void deadlineExceededReadsAreRetriedAndTheRollbackSucceeds() throws Exception {
        cli.controls.failReads(Status.DEADLINE_EXCEEDED.withDescription("slow backend"), 2);
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(cli.mutations()).isEqualTo(1);
        assertTraffic(PREVIOUS_SERVES, PREVIOUS_SERVES);
        survived("DEADLINE_EXCEEDED on reads", r);
    }

    @Test
    void anUpdateRefusedAsUnavailableIsReadAgainThenSentOnceMore() throws Exception {
        cli.controls.failNextUpdate(Status.UNAVAILABLE.withDescription("backend restarting"));
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        // Refused before it changed anything (the re-read shows the same etag): safe to send again, once.
        assertThat(cli.mutations()).isEqualTo(2);
        assertTraffic(PREVIOUS_SERVES, PREVIOUS_SERVES);
        assertThat(lastRecord().get("state").asText()).isEqualTo("verified");
        survived("UNAVAILABLE on UpdateService, nothing applied", r);
    }

    @Test
    void anUpdateWhoseAnswerIsLostIsFollowedNotSentAgain() throws Exception {
        cli.controls.loseNextAnswer(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 10s"));
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        // Applied, then the answer lost: the re-read shows the change, so it is not sent a second time.
        assertThat(cli.mutations()).isEqualTo(1);
        assertTraffic(PREVIOUS_SERVES, PREVIOUS_SERVES);
        survived("DEADLINE_EXCEEDED on UpdateService, applied", r);
    }

    @Test
    void anOperationThatEndsInErrorIsExit4WithTheRealStateJournaled() throws Exception {
        cli.controls.failNextOperation(Status.FAILED_PRECONDITION.withDescription(
                "Revision 'virtuoso-api-00002-def' is not ready and cannot serve traffic."));
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err().strip()).startsWith("error: Cloud Run: the update of projects/virtuoso-sandbox/locations/"
                + "us-central1/services/virtuoso-api failed (FAILED_PRECONDITION): Revision 'virtuoso-api-00002-def' "
                + "is not ready and cannot serve traffic.")
                .contains("; the change was sent and is not in effect yet (it failed)")
                .contains("`rollback undo ");
        // The service keeps the traffic asked; what served before goes on serving.
        assertTraffic(PREVIOUS_SERVES, SEED_TRAFFIC);
        JsonNode record = lastRecord();
        assertThat(record.get("state").asText()).isEqualTo("failed");
        assertThat(record.get("changed").asBoolean()).isTrue();
        survived("UpdateService operation ends in error", r);
    }

    @Test
    void aFailedTerminalConditionAfterTheOperationIsExit4() throws Exception {
        cli.controls.failAfterDone("Ingress could not be configured");
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("failed to apply the new traffic: Ingress could not be configured")
                .contains("the change was sent and is not in effect yet (it failed)");
        assertTraffic(PREVIOUS_SERVES, SEED_TRAFFIC);
        assertThat(lastRecord().get("changed").asBoolean()).isTrue();
        survived("terminal condition FAILED after the operation", r);
    }

    @Test
    void anOperationThatCannotBeFollowedIsReadAgainAndUndoCanPickIt() throws Exception {
        cli.controls.setOperationDelay(Duration.ofSeconds(1));
        cli.controls.failOperationPolls(Status.PERMISSION_DENIED.withDescription(
                "Permission 'run.operations.get' denied"), 1);
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("Permission 'run.operations.get' denied")
                .contains("the change was sent and is not in effect yet (it is still being applied)");
        JsonNode record = lastRecord();
        assertThat(record.get("state").asText()).isEqualTo("failed");
        assertThat(record.get("changed").asBoolean()).isTrue();
        assertThat(cli.controls.traffic()).as("traffic asked").containsExactlyInAnyOrderElementsOf(PREVIOUS_SERVES);
        // The change did take effect; the journal says it may have, so undo puts the traffic from before back.
        CliHarness.Result undo = cli.run("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("recorded before " + record.get("id").asText());
        assertTraffic(SEED_TRAFFIC, SEED_TRAFFIC);
        survived("PERMISSION_DENIED polling an accepted operation", r);
    }

    @Test
    void aRevisionNotReadyAtTheServerIsExit2NotAConflict() throws Exception {
        AtomicInteger gets = new AtomicInteger();
        cli.controls.onGetService(() -> {
            if (gets.incrementAndGet() == 2) {
                cli.controls.notReady("virtuoso-api-00002-def", "Container failed to start");
            }
        });
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errBesidesRecords().strip()).startsWith("error: Cloud Run: precondition failed on update of")
                .contains("is not ready and cannot serve traffic").endsWith("; nothing was changed");
        assertTraffic(SEED_TRAFFIC, SEED_TRAFFIC);
        survived("FAILED_PRECONDITION for a revision that is not Ready", r);
    }

    @Test
    void aConcurrentChangeIsExit5AndIsNotOverwritten() throws Exception {
        AtomicInteger gets = new AtomicInteger();
        cli.controls.onGetService(() -> {
            if (gets.incrementAndGet() == 2) {
                cli.controls.changeService(s -> s.toBuilder().addTraffic(TrafficTarget.newBuilder()
                        .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision("virtuoso-api-00001-abc").setTag("someone-else")).build());
            }
        });
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.err()).startsWith("error: virtuoso-api changed since the plan was made")
                .contains("; nothing was changed");
        assertThat(cli.mutations()).isZero();
        List<String> theirs = new ArrayList<>(SEED_TRAFFIC);
        theirs.add("REVISION virtuoso-api-00001-abc 0% tag someone-else");
        assertTraffic(theirs, theirs);
        // The failed step changed nothing, so there is nothing to undo; someone else's change stays.
        CliHarness.Result undo = cli.run("undo", "--yes");
        assertThat(undo.code()).isEqualTo(2);
        assertThat(undo.err().strip()).isEqualTo("error: the journal has no change to undo");
        survived("concurrent change between plan and apply", r);
    }

    @Test
    void aDeadWebhookDoesNotDelayTheRollback() throws Exception {
        cli.controls.webhookHangs();
        Path book = cli.runbookWithSlack();
        long t0 = System.nanoTime();
        CliHarness.Result r = cli.run(cli.slackEnv(), "-r",
                book.toString(), "quick", "--previous", "--yes");
        long wall = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(cli.home.resolve("journal.jsonl"));
        Instant planned = Instant.parse(JSON.readTree(lines.get(0)).get("time").asText());
        Instant verified = Instant.parse(JSON.readTree(lines.get(lines.size() - 1)).get("time").asText());
        // The webhook would hold each post 5 s; the rollback, from journal to verified, does not wait for it.
        assertThat(Duration.between(planned, verified)).isLessThan(Duration.ofSeconds(2));
        assertThat(r.out()).contains("warning: Slack notification still unsent after 3s; not waiting longer");
        assertThat(wall).as("whole run, with the bounded wait for Slack at exit").isLessThan(7_000);
        assertThat(r.out() + r.err()).doesNotContain(cli.controls.webhookUrl().toString());
        assertTraffic(PREVIOUS_SERVES, PREVIOUS_SERVES);
        survived("dead Slack webhook", r);
    }

    @Test
    void aDeadWebhookOnAFailingRollbackCostsAtMostTheBoundedWaitAtExit() throws Exception {
        // Off the critical path on the error path too: posted synchronously, the two posts would take 5 s each.
        cli.controls.webhookHangs();
        cli.controls.onGetService(new Runnable() {
            private int n;

            @Override
            public void run() {
                if (++n == 2) {
                    cli.controls.changeService(s -> s.toBuilder().setDescription("edited elsewhere").build());
                }
            }
        });
        Path book = cli.runbookWithSlack();
        long t0 = System.nanoTime();
        CliHarness.Result r = cli.run(cli.slackEnv(), "-r",
                book.toString(), "quick", "--previous", "--yes");
        assertThat(r.code()).isEqualTo(5);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        assertTraffic(SEED_TRAFFIC, SEED_TRAFFIC);
        survived("dead Slack webhook on a failing rollback", r);
    }
}

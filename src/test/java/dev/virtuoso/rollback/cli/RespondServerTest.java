package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `respond --serve` over real HTTP on 127.0.0.1, as a Pub/Sub push subscription calls it. */
class RespondServerTest {
    private static final String LOCK = "team/locks/virtuoso-sandbox/us-central1/virtuoso-api";
    private final CliHarness cli = new CliHarness();
    private final HttpClient http = HttpClient.newHttpClient();
    private final StringWriter log = new StringWriter();
    private Thread server;
    private final int[] exit = {-1};

    @AfterEach
    void close() throws Exception {
        if (server != null) {
            server.interrupt();
            server.join(TimeUnit.SECONDS.toMillis(30));
        }
        cli.close();
    }

    /** Starts `respond --serve` on a free port (PORT=0) and returns its base URL once it listens. */
    private URI serve(Map<String, String> extraEnv, String... extraArgs) throws Exception {
        return serveRunbook("runbooks/sandbox.yaml", extraEnv, extraArgs);
    }

    private URI serveRunbook(String runbook, Map<String, String> extraEnv, String... extraArgs) throws Exception {
        Map<String, String> env = new HashMap<>(cli.env());
        env.putAll(extraEnv);
        env.put("PORT", "0");
        Context ctx = new Context(Map.copyOf(env), new BufferedReader(new StringReader("")),
                new PrintWriter(new StringWriter(), true), new PrintWriter(log, true), false, cli.clock, cli.sleeper);
        server = new Thread(() -> {
            try (Wiring wiring = new Wiring(ctx)) {
                java.util.List<String> line = new java.util.ArrayList<>(java.util.List.of("-r", runbook, "respond",
                        "--serve"));
                line.addAll(java.util.List.of(extraArgs));
                exit[0] = Cli.run(ctx, wiring, line.toArray(String[]::new));
            }
        }, "respond-server");
        server.start();
        Pattern listening = Pattern.compile("respond: listening on port (\\d+) ");
        SandboxControls.awaitOtherThread(() -> listening.matcher(log.toString()).find(), "the server never listened: "
                + log);
        Matcher m = listening.matcher(log.toString());
        assertThat(m.find()).isTrue();
        return URI.create("http://127.0.0.1:" + m.group(1) + "/");
    }

    private HttpResponse<String> post(URI base, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(base).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pushedMessagesAreAcknowledgedWhenHandledAndRedeliveredWhileAColleagueHoldsTheLock() throws Exception {
        cli.manualTime();
        Instant now = cli.clock.instant();
        cli.controls.putJournalObject(LOCK, "{\"holder\":\"alice@desk\",\"command\":\"quick --to-revision x\","
                + "\"reason\":null,\"since\":\"" + now + "\",\"expires\":\"" + now.plusSeconds(900) + "\"}");
        URI base = serve(Map.of("ROLLBACK_JOURNAL", "gs://" + Sandbox.JOURNAL_BUCKET + "/team", "HOSTNAME", "run-1"));
        String message = RespondCommandTest.envelope(RespondCommandTest.incident("0.push", "open"));

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(base).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");

        // Not a notification: acknowledged, or Pub/Sub would deliver it again forever.
        HttpResponse<String> malformed = post(base, "{\"message\": {\"data\": \"not base64!\"}}");
        assertThat(malformed.statusCode()).isEqualTo(200);
        assertThat(malformed.body()).contains("error: message.data of the Pub/Sub envelope in the request body is "
                + "not base64");

        // Alice holds the service's lock: exit 5, delivered again later.
        HttpResponse<String> locked = post(base, message);
        assertThat(locked.statusCode()).as(locked.body()).isEqualTo(503);
        assertThat(locked.body()).contains("alice@desk");
        assertThat(cli.mutations()).isZero();

        // Her lock has expired by the redelivery: taken over, rolled back.
        cli.controls.putJournalObject(LOCK, "{\"holder\":\"alice@desk\",\"command\":\"quick --to-revision x\","
                + "\"reason\":null,\"since\":\"" + now.minusSeconds(1000) + "\",\"expires\":\"" + now.minusSeconds(100)
                + "\"}");
        HttpResponse<String> acted = post(base, message);
        assertThat(acted.statusCode()).as(acted.body()).isEqualTo(200);
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);

        // The same message again (Pub/Sub delivers at least once): acknowledged, nothing more.
        HttpResponse<String> duplicate = post(base, message);
        assertThat(duplicate.statusCode()).isEqualTo(200);
        assertThat(duplicate.body()).contains("incident 0.push was already handled by step ");
        assertThat(cli.mutations()).isEqualTo(1);

        // One line per message on stderr, with its status and exit code.
        assertThat(log.toString().lines().filter(l -> l.startsWith("respond: ") && !l.contains("listening")))
                .hasSize(4).satisfiesExactly(
                        l -> assertThat(l).startsWith("respond: 200 (acknowledged, not handled) message none: error: "
                                + "message.data of the Pub/Sub"),
                        l -> assertThat(l).startsWith("respond: error: 503 (exit 5) message 2070443601311540: error: ")
                                .contains("alice@desk"),
                        l -> assertThat(l).startsWith("respond: 200 (exit 0) message 2070443601311540: rolledBack: "
                                + "incident 0.push"),
                        l -> assertThat(l).startsWith("respond: 200 (exit 0) message 2070443601311540: skipped: "
                                + "incident 0.push was already handled"));

        server.interrupt();
        server.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(exit[0]).isEqualTo(130);
        server = null;
    }

    @Test
    void theExitCodeDecidesWhetherPubSubDeliversTheMessageAgain() {
        assertThat(RespondServer.status(0)).isEqualTo(200);
        assertThat(RespondServer.status(2)).isEqualTo(500);
        assertThat(RespondServer.status(3)).isEqualTo(200);
        assertThat(RespondServer.status(4)).isEqualTo(503);
        assertThat(RespondServer.status(5)).isEqualTo(503);
        assertThat(RespondServer.status(1)).isEqualTo(500);
    }

    @Test
    void aNotificationRefusedForABrokenRunbookIsDeliveredAgainAndRollsBackOnceTheRunbookIsFixed(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path runbook = dir.resolve("runbook.yaml");
        String good = java.nio.file.Files.readString(java.nio.file.Path.of("runbooks/sandbox.yaml"));
        java.nio.file.Files.writeString(runbook, good);
        URI base = serveRunbook(runbook.toString(), Map.of());
        String message = RespondCommandTest.envelope(RespondCommandTest.incident("0.broken", "open"));
        java.nio.file.Files.writeString(runbook, "triggers: [this is not a runbook\n");

        HttpResponse<String> refused = post(base, message);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(500);
        assertThat(cli.mutations()).isZero();
        assertThat(log.toString()).contains("respond: error: 500 (exit 2) message 2070443601311540: error: ");

        java.nio.file.Files.writeString(runbook, good);
        HttpResponse<String> acted = post(base, message);
        assertThat(acted.statusCode()).as(acted.body()).isEqualTo(200);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }

    @Test
    void aRecordKeptLocallyAfterAStorageErrorIsAnswered503AndTheRedeliveryUploadsItAndFindsTheIncidentAnswered()
            throws Exception {
        // Cloud Storage refuses the step's "applied" state for as long as the first message is handled.
        cli.controls.failStorageWrites(403, Integer.MAX_VALUE, "-applied");
        URI base = serve(Map.of("ROLLBACK_JOURNAL", "gs://" + Sandbox.JOURNAL_BUCKET + "/team", "HOSTNAME", "run-1"));
        String message = RespondCommandTest.envelope(RespondCommandTest.incident("0.kept", "open"));

        HttpResponse<String> acted = post(base, message);

        assertThat(acted.statusCode()).as(acted.body()).isEqualTo(503);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        assertThat(cli.controls.journalObjects("team/records/")).noneMatch(o -> o.endsWith("-applied.json"));
        cli.controls.failStorageWrites(403, 0, "-applied");

        HttpResponse<String> again = post(base, message);

        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.body()).contains("incident 0.kept was already handled by step ");
        assertThat(cli.controls.journalObjects("team/records/")).anyMatch(o -> o.endsWith("-applied.json"));
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void stoppingTheServerDuringARollbackStopsItJournalsItInterruptedAndAnswers503() throws Exception {
        // The update stays in progress, and the wait for it blocks until it is interrupted.
        cli.controls.setOperationDelay(java.time.Duration.ofHours(1));
        cli.manualTime();
        dev.virtuoso.rollback.port.Sleeper advance = cli.sleeper;
        java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean blocked = new java.util.concurrent.atomic.AtomicBoolean();
        cli.sleeper = d -> {
            if (cli.mutations() > 0 && blocked.compareAndSet(false, true)) {
                waiting.countDown();
                new java.util.concurrent.CountDownLatch(1).await();
            }
            advance.sleep(d);
        };
        URI base = serve(Map.of());
        java.util.concurrent.CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(base)
                .POST(HttpRequest.BodyPublishers.ofString(RespondCommandTest.envelope(RespondCommandTest.incident(
                        "0.stop", "open")))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(waiting.await(60, TimeUnit.SECONDS)).as("the rollback never waited: " + log).isTrue();

        server.interrupt();
        server.join(TimeUnit.SECONDS.toMillis(60));

        assertThat(server.isAlive()).isFalse();
        assertThat(exit[0]).isEqualTo(130);
        assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        assertThat(java.nio.file.Files.readString(cli.home.resolve("journal.jsonl"))).contains("\"state\":\"interrupted\"");
        server = null;
    }

    @Test
    void theServerListensOnLoopbackUnlessOnCloudRunOrToldWhere() throws Exception {
        serve(Map.of());
        assertThat(log.toString()).contains(" of 127.0.0.1 (");
        assertThat(RespondServer.host(null, Map.of())).isEqualTo("127.0.0.1");
        assertThat(RespondServer.host(null, Map.of("K_SERVICE", "rollback-responder"))).isEqualTo("0.0.0.0");
        assertThat(RespondServer.host(" 127.0.0.1 ", Map.of("K_SERVICE", "rollback-responder"))).isEqualTo("127.0.0.1");
    }

    @Test
    void aStopOnCloudRunWaitsLessThanTheTenSecondsBeforeItsKill() {
        assertThat(RespondServer.grace(Map.of("K_SERVICE", "rollback-responder"))).isLessThan(java.time.Duration.ofSeconds(10));
        assertThat(RespondServer.grace(Map.of())).isEqualTo(Main.GRACE);
    }

    @Test
    void aServerStartedWithDryRunPlansEachMessageAndSendsNothing() throws Exception {
        URI base = serve(Map.of(), "--dry-run");

        HttpResponse<String> planned = post(base, RespondCommandTest.envelope(RespondCommandTest.incident("0.dry",
                "open")));

        assertThat(planned.statusCode()).as(planned.body()).isEqualTo(200);
        assertThat(planned.body()).contains("dry run: route 100% of virtuoso-api traffic to virtuoso-api-00002-def");
        assertThat(cli.controls.mutatingCalls()).isZero();
        assertThat(cli.home.resolve("journal.jsonl")).doesNotExist();
    }

    @Test
    void recordsAnEarlierRunKeptLocallyDoNotMakeADryRunServerAnswer503() throws Exception {
        java.nio.file.Path spool = dev.virtuoso.rollback.adapter.gcp.GcsJournal.spoolFile(cli.home,
                Sandbox.JOURNAL_BUCKET, "team");
        java.nio.file.Files.createDirectories(spool.getParent());
        java.nio.file.Files.writeString(spool, "{\"id\":\"kept-earlier\"}\n");
        URI base = serve(Map.of("ROLLBACK_JOURNAL", "gs://" + Sandbox.JOURNAL_BUCKET + "/team", "HOSTNAME", "run-1"),
                "--dry-run");

        HttpResponse<String> planned = post(base, RespondCommandTest.envelope(RespondCommandTest.incident("0.spool",
                "open")));

        assertThat(planned.statusCode()).as(planned.body()).isEqualTo(200);
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void aServerStartedWithYesAndJsonOutputRollsBackAndLogsWhatItDidOnOneLine() throws Exception {
        URI base = serve(Map.of(), "--yes", "-o", "json");

        HttpResponse<String> acted = post(base, RespondCommandTest.envelope(RespondCommandTest.incident("0.yes", "open")));

        assertThat(acted.statusCode()).as(acted.body()).isEqualTo(200);
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        assertThat(log.toString().lines().filter(l -> l.startsWith("respond: 200 "))).singleElement().asString()
                .startsWith("respond: 200 (exit 0) message 2070443601311540: rolledBack: incident 0.yes (");
    }

    /** The per-message line the server builds from its own, parsed as the command tree parses it. */
    private static java.util.List<String> line(String... original) {
        Context ctx = new Context(Map.of(), new BufferedReader(new StringReader("")),
                new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true), false,
                java.time.Clock.systemUTC(), d -> { });
        try (Wiring wiring = new Wiring(ctx)) {
            return RespondServer.commandLine(java.util.List.of(original), a -> Cli.commandLine(ctx, wiring).parseArgs(a));
        }
    }

    @Test
    void eachMessageRunsTheServersOwnCommandLineWithYesOnceAndWithoutServe() {
        assertThat(line("-r", "rb.yaml", "respond", "--serve", "--yes")).containsExactly("-r", "rb.yaml", "respond",
                "--yes");
        assertThat(line("-y", "respond", "--serve")).containsExactly("-y", "respond");
        assertThat(line("respond", "-vy", "--serve")).containsExactly("respond", "-vy");
        assertThat(line("respond", "--serve", "-yo", "json")).containsExactly("respond", "-yo", "json");
    }

    @Test
    void eachMessageRunsTheServersOwnCommandLineWithYesAndWithoutServeOrListen() {
        assertThat(line("-r", "rb.yaml", "respond", "--serve", "-o", "json"))
                .containsExactly("-r", "rb.yaml", "respond", "-o", "json", "--yes");
        assertThat(line("respond", "--serve", "--listen", "127.0.0.1", "-o", "json"))
                .containsExactly("respond", "-o", "json", "--yes");
        assertThat(line("respond", "--listen=127.0.0.1", "--serve")).containsExactly("respond", "--yes");
    }

    @Test
    void aServerStartedWithListenRollsBackEachMessage() throws Exception {
        URI base = serve(Map.of(), "--listen", "127.0.0.1");

        HttpResponse<String> acted = post(base, RespondCommandTest.envelope(RespondCommandTest.incident("0.listen",
                "open")));

        assertThat(acted.statusCode()).as(acted.body()).isEqualTo(200);
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }
}

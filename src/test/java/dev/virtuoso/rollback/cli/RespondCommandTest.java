package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.run.v2.TrafficTarget;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RespondCommandTest {
    private static final String POLICY = "Auto Rollback on High Error Rate";
    private static final String JOURNAL = "gs://" + Sandbox.JOURNAL_BUCKET + "/team";
    private static final String LOCK = "team/locks/virtuoso-sandbox/us-central1/virtuoso-api";
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    /** A Cloud Monitoring notification (schema 1.2) about the sandbox's virtuoso-api, as a webhook posts it. */
    static String incident(String id, String state) {
        return incident(id, state, "virtuoso-api");
    }

    static String incident(String id, String state, String service) {
        return "{\"version\": \"1.2\", \"incident\": {\"incident_id\": \"" + id + "\", \"scoping_project_id\": "
                + "\"virtuoso-sandbox\", \"scoping_project_number\": 12345, \"url\": \"https://console.cloud.google.com/"
                + "monitoring/alerting/incidents/" + id + "\", \"started_at\": 1765100000, \"ended_at\": "
                + ("closed".equals(state) ? "1765100600" : "null") + ", \"state\": \"" + state + "\", \"summary\": "
                + "\"5xx ratio for virtuoso-api is above the threshold of 0.5\", \"resource\": {\"type\": "
                + "\"cloud_run_revision\", \"labels\": {\"project_id\": \"virtuoso-sandbox\", \"service_name\": \""
                + service + "\", \"location\": \"us-central1\", \"revision_name\": \"virtuoso-api-00003-ghi\"}}, "
                + "\"metric\": {\"type\": \"run.googleapis.com/request_count\", \"displayName\": \"Request Count\"}, "
                + "\"policy_name\": \"" + POLICY + "\", \"condition_name\": \"5xx ratio > 50% for 1m\", "
                + "\"threshold_value\": \"0.5\", \"observed_value\": \"0.600\"}}";
    }

    /** The same notification as a Pub/Sub push subscription delivers it. */
    static String envelope(String notification) {
        return "{\"message\": {\"attributes\": {}, \"data\": \""
                + Base64.getEncoder().encodeToString(notification.getBytes(StandardCharsets.UTF_8))
                + "\", \"messageId\": \"2070443601311540\", \"publishTime\": \"2026-12-07T10:00:00.000Z\"}, "
                + "\"subscription\": \"projects/virtuoso-sandbox/subscriptions/auto-rollback\"}";
    }

    private CliHarness.Result respond(String notification, String... more) {
        return respond(Map.of(), notification, more);
    }

    private CliHarness.Result respond(Map<String, String> env, String notification, String... more) {
        cli.stdin = notification;
        String[] args = new String[more.length + 3];
        args[0] = "-r";
        args[1] = "runbooks/sandbox.yaml";
        args[2] = "respond";
        System.arraycopy(more, 0, args, 3, more.length);
        return cli.run(env, args);
    }

    @Test
    void aClosedIncidentDoesNothingAnOpenOneRollsBackOnceAndNeitherItsRedeliveryNorAnotherIncidentRollsBackAgain()
            throws Exception {
        cli.manualTime();
        List<TrafficTarget> seeded = cli.service().getTrafficList();

        CliHarness.Result closed = respond(incident("0.abc", "closed"), "--yes");
        assertThat(closed.code()).as(closed.err()).isZero();
        assertThat(closed.out().strip()).isEqualTo("✓ incident 0.abc (" + POLICY + ") is closed: nothing to do");
        assertThat(cli.mutations()).isZero();

        CliHarness.Result open = respond(incident("0.abc", "open"), "--yes");
        assertThat(open.code()).as(open.out() + open.err()).isZero();
        assertThat(open.out()).startsWith("incident 0.abc (" + POLICY + "): error rate 60.0% > trigger 20.0%; P95 "
                + "latency 8.2s > trigger 5s on virtuoso-api-00003-ghi (critical — immediate rollback — within 5m): "
                + "rolling back to the previous revision\nPlan for ").contains("✓ route 100% of virtuoso-api traffic to "
                + "virtuoso-api-00002-def").contains("checks: 5/5 passed");
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        JsonNode step = cli.journal().get(cli.journal().size() - 1);
        assertThat(step.path("incident").asText()).isEqualTo("0.abc");
        assertThat(step.path("origin").asText()).isEqualTo("respond");
        assertThat(step.path("state").asText()).isEqualTo("verified");
        assertThat(step.path("reason").asText()).startsWith("incident 0.abc (" + POLICY + "): error rate 60.0% > ");
        assertThat(cli.rb("history", step.path("id").asText()).out()).contains("tester, by respond")
                .contains("incident:  0.abc");

        // The broken revision serves again (someone routed to it in the console): the same message,
        // delivered again, is recognised from the journal and changes nothing.
        cli.controls.changeService(s -> s.toBuilder().clearTraffic().addAllTraffic(seeded).build());
        CliHarness.Result again = respond(incident("0.abc", "open"), "--yes");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out().strip()).isEqualTo("✓ incident 0.abc was already handled by step " + step.path("id")
                .asText() + " at " + Instant.parse(step.path("time").asText()).truncatedTo(java.time.temporal.ChronoUnit
                .SECONDS) + " (quick --previous, verified)");
        assertThat(cli.mutations()).isEqualTo(1);

        // Another incident opened within triggers.window + sustain: the window still holds the minutes
        // before that rollback, so it is not rolled back again.
        CliHarness.Result other = respond(incident("0.def", "open"), "--yes");
        assertThat(other.code()).as(other.err()).isZero();
        assertThat(other.out()).startsWith("✓ virtuoso-api was rolled back at ").contains(" by tester (quick --previous, "
                + "journal " + step.path("id").asText() + "), within triggers.window + sustain (5m 30s)")
                .contains("incident 0.def (" + POLICY + ") is not acted on again");
        assertThat(other.out().lines()).hasSize(1);
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void aPubSubPushEnvelopeRollsBackAndJsonSaysWhatWasDone() throws Exception {
        cli.manualTime();
        CliHarness.Result r = respond(envelope(incident("0.pubsub", "open")), "--yes", "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.path("ok").asBoolean()).isTrue();
        assertThat(doc.path("action").asText()).isEqualTo("rolledBack");
        assertThat(doc.path("incident").asText()).isEqualTo("0.pubsub");
        assertThat(doc.path("reason").asText()).startsWith("incident 0.pubsub (" + POLICY + "): error rate 60.0%");
        assertThat(doc.path("result").path("outcome").asText()).isEqualTo("applied");
        assertThat(doc.path("result").path("journalId").asText()).isEqualTo(cli.journal().get(0).path("id").asText());
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void anIncidentAboutAnotherServiceIsLeftAlone() {
        CliHarness.Result r = respond(incident("0.other", "open", "billing-api"), "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("✓ incident 0.other (" + POLICY + ") is about projects/virtuoso-sandbox/"
                + "locations/us-central1/services/billing-api, not this runbook's projects/virtuoso-sandbox/locations/"
                + "us-central1/services/virtuoso-api: nothing to do");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void triggersThatNoLongerFireAreExit0WithTheFiguresAndNothingChanges() throws Exception {
        Path book = cli.home.resolve("calm.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                .replace("triggers:\n", "triggers:\n  errorRate: 0.9\n  p95Latency: 10s\n"));
        cli.stdin = incident("0.calm", "open");
        CliHarness.Result r = cli.run("-r", book.toString(), "respond", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("✓ triggers no longer fire on virtuoso-api-00003-ghi: 5xx 60.0% ≤ 90.0%, "
                + "P95 8.2s ≤ 10s; nothing done");
        assertThat(cli.mutations()).isZero();
        assertThat(Files.exists(cli.home.resolve("journal.jsonl"))).isFalse();
    }

    @Test
    void aRowThatAsksForJudgementOnlyNotifiesOnceAndRollsNothingBack() throws Exception {
        Path book = cli.home.resolve("judge.yaml");
        Files.writeString(book, Files.readString(cli.runbookWithSlack()) + "decisionMatrix:\n"
                + "  - {severity: critical, minErrorRate: 0.5, action: evaluate then rollback, within: 30m}\n"
                + "  - {severity: low, minErrorRate: 0.0, action: monitor and hotfix, within: 2h}\n");
        Map<String, String> env = cli.slackEnv();
        cli.stdin = incident("0.judge", "open");
        CliHarness.Result r = cli.run(env, "-r", book.toString(), "respond", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("notified: critical — evaluate then rollback — within 30m: notified, not rolled "
                + "back (journal ");
        assertThat(cli.mutations()).isZero();
        assertThat(cli.controls.webhookMessages()).hasSize(1);
        assertThat(cli.controls.webhookMessages().get(0)).contains("incident 0.judge (" + POLICY + "): error rate 60.0%")
                .contains("the decision matrix says \\\"evaluate then rollback\\\", which a person decides");
        // Journaled as planned before it was posted, then as done.
        assertThat(cli.journal()).hasSize(2).allSatisfy(n -> {
            assertThat(n.path("kind").asText()).isEqualTo("notice");
            assertThat(n.path("changed").asBoolean()).isFalse();
            assertThat(n.path("incident").asText()).isEqualTo("0.judge");
        });
        assertThat(cli.journal().get(0).path("state").asText()).isEqualTo("planned");
        assertThat(cli.journal().get(1).path("state").asText()).isEqualTo("verified");

        cli.stdin = incident("0.judge", "open");
        CliHarness.Result again = cli.run(env, "-r", book.toString(), "respond", "--yes");
        assertThat(again.out()).startsWith("✓ incident 0.judge was already handled by step ");
        assertThat(cli.controls.webhookMessages()).hasSize(1);
    }

    @Test
    void aNotificationOnlyRowWhosePostFailsJournalsFailedExits4AndTheRedeliveryNotifies() throws Exception {
        Path book = cli.home.resolve("judge.yaml");
        Files.writeString(book, Files.readString(cli.runbookWithSlack()) + "decisionMatrix:\n"
                + "  - {severity: critical, minErrorRate: 0.5, action: evaluate then rollback, within: 30m}\n");
        Map<String, String> env = cli.slackEnv();
        cli.controls.webhookFailsWith(500);
        cli.stdin = incident("0.unheard", "open");

        CliHarness.Result r = cli.run(env, "-r", book.toString(), "respond", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(cli.journal()).last().satisfies(n -> assertThat(n.path("state").asText()).isEqualTo("failed"));

        cli.controls.webhookFailsWith(200);
        cli.stdin = incident("0.unheard", "open");
        CliHarness.Result again = cli.run(env, "-r", book.toString(), "respond", "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).startsWith("notified: ");
        assertThat(cli.journal()).last().satisfies(n -> assertThat(n.path("state").asText()).isEqualTo("verified"));
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void aRecentChangeThatRolledNothingBackDoesNotStopTheRollback() throws Exception {
        cli.manualTime();
        // A change a minute before the incident that rolled nothing back: it does not count.
        CliHarness.Result tag = cli.rb("tag", "--name", "canary-2026-12-07", "--yes");
        assertThat(tag.code()).as(tag.out() + tag.err()).isZero();
        cli.sleeper.sleep(java.time.Duration.ofMinutes(1));
        int before = cli.mutations();

        CliHarness.Result r = respond(incident("0.forward", "open"), "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("was changed at").doesNotContain("was rolled back at");
        assertThat(cli.mutations()).as(r.out() + r.err()).isEqualTo(before + 1);
        assertThat(cli.controls.trafficStatuses()).anyMatch(t -> t.startsWith("REVISION virtuoso-api-00002-def 100%"));
    }

    @Test
    void aStepOfTheIncidentOnlyPlannedLongerThanALockLeaseDoesNotCountAsAnsweredAndTheRedeliveryRollsBack()
            throws Exception {
        cli.manualTime();
        List<TrafficTarget> seeded = cli.service().getTrafficList();
        CliHarness.Result first = respond(incident("0.stale", "open"), "--yes");
        assertThat(first.code()).as(first.err()).isZero();
        // As if the responder had died 16 minutes ago after journaling its step, before sending anything.
        Path file = cli.home.resolve("journal.jsonl");
        List<String> planned = Files.readAllLines(file).stream().filter(l -> l.contains("\"state\":\"planned\""))
                .toList();
        assertThat(planned).hasSize(1);
        com.fasterxml.jackson.databind.node.ObjectNode step = (com.fasterxml.jackson.databind.node.ObjectNode)
                new ObjectMapper().readTree(planned.get(0));
        step.put("time", Instant.parse(step.path("time").asText()).minus(java.time.Duration.ofMinutes(16)).toString());
        Files.writeString(file, step + "\n");
        cli.controls.changeService(s -> s.toBuilder().clearTraffic().addAllTraffic(seeded).build());
        int before = cli.mutations();

        CliHarness.Result again = respond(incident("0.stale", "open"), "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).doesNotContain("already handled");
        assertThat(cli.mutations()).as(again.out() + again.err()).isEqualTo(before + 1);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }

    @Test
    void aStepOnlyPlannedLongerThanALockLeaseWhoseTrafficServesCountsAsAnsweredAndIsNotSentAgain()
            throws Exception {
        cli.manualTime();
        CliHarness.Result first = respond(incident("0.lost", "open"), "--yes");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        // As if the responder had been killed 16 minutes ago after sending its change, before journaling it
        // applied: the service serves what the step asked for.
        Path file = cli.home.resolve("journal.jsonl");
        List<String> planned = Files.readAllLines(file).stream().filter(l -> l.contains("\"state\":\"planned\""))
                .toList();
        assertThat(planned).hasSize(1);
        com.fasterxml.jackson.databind.node.ObjectNode step = (com.fasterxml.jackson.databind.node.ObjectNode)
                new ObjectMapper().readTree(planned.get(0));
        step.put("time", Instant.parse(step.path("time").asText()).minus(java.time.Duration.ofMinutes(16)).toString());
        Files.writeString(file, step + "\n");
        int before = cli.mutations();

        CliHarness.Result again = respond(incident("0.lost", "open"), "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("incident 0.lost was already handled by step " + step.path("id").asText());
        assertThat(cli.mutations()).isEqualTo(before);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }

    @Test
    void aNotificationOnlyRowPostsNothingWhenTheJournalRefusesItsStep() throws Exception {
        Path book = cli.home.resolve("judge.yaml");
        Files.writeString(book, Files.readString(cli.runbookWithSlack()) + "decisionMatrix:\n"
                + "  - {severity: critical, minErrorRate: 0.5, action: evaluate then rollback, within: 30m}\n");
        Map<String, String> env = new HashMap<>(cli.slackEnv());
        env.put("ROLLBACK_JOURNAL", JOURNAL);
        cli.controls.failStorageWrites(403, 1, "/records/");
        cli.stdin = incident("0.refused", "open");

        CliHarness.Result r = cli.run(env, "-r", book.toString(), "respond", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(cli.controls.webhookMessages()).isEmpty();
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void aDryRunPlansTheRollbackAndSendsNothing() throws Exception {
        cli.manualTime();
        int calls = cli.controls.mutatingCalls();
        CliHarness.Result r = respond(incident("0.dry", "open"), "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("dry run: would roll back for incident 0.dry (" + POLICY + ")")
                .contains("virtuoso-api-00002-def");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(Files.exists(cli.home.resolve("journal.jsonl"))).isFalse();
    }

    @Test
    void withoutYesAndWithoutATerminalItRefusesBeforeChangingAnything() {
        cli.manualTime();
        CliHarness.Result r = respond(incident("0.ask", "open"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains("--yes");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void aResponderWaitingForTheLockWhileAnotherAnswersTheSameIncidentSendsNothingOnceItHoldsIt() throws Exception {
        cli.manualTime();
        Instant since = cli.clock.instant();
        // A second responder holds the service's lock as this one plans; while this one waits for it, the
        // holder's lease runs out and a third answers the same redelivered message and rolls back.
        cli.controls.putJournalObject(LOCK, "{\"holder\":\"respond@instance-2\",\"command\":\"quick --previous\","
                + "\"reason\":null,\"since\":\"" + since + "\",\"expires\":\"" + since.plusSeconds(20) + "\"}");
        dev.virtuoso.rollback.port.Sleeper time = cli.sleeper;
        boolean[] answered = {false};
        CliHarness.Result[] third = new CliHarness.Result[1];
        cli.sleeper = d -> {
            time.sleep(d);
            if (!answered[0]) {
                answered[0] = true;
                time.sleep(java.time.Duration.ofSeconds(30));
                Map<String, String> env = new HashMap<>(Map.of("ROLLBACK_JOURNAL", JOURNAL, "HOSTNAME", "instance-3",
                        "ROLLBACK_HOME", cli.home.resolve("instance-3").toString()));
                third[0] = respond(env, incident("0.race", "open"), "--yes", "--no-color");
            }
        };

        CliHarness.Result waiting = respond(Map.of("ROLLBACK_JOURNAL", JOURNAL, "HOSTNAME", "instance-1"),
                incident("0.race", "open"), "--yes", "--wait-lock", "1m");

        assertThat(third[0].code()).as(third[0].out() + third[0].err()).isZero();
        assertThat(waiting.code()).as(waiting.out() + waiting.err()).isZero();
        assertThat(waiting.out()).contains("✓ incident 0.race was already handled by step ");
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        assertThat(cli.controls.journalObjects("team/locks/")).isEmpty();
    }

    @Test
    void helpShowsBothInputFormsAndTheServeModeInLinesOfAtMost80Characters() {
        CliHarness.Result help = cli.run("respond", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--event=FILE").contains("--serve")
                .contains("echo '{\"version\": \"1.2\", \"incident\": {\"incident_id\": \"0.abc\",'")
                .contains("printf '{\"message\": {\"data\": \"%s\"}}' \"$(base64 < n.json | tr -d '\\n')\"")
                .contains("PORT=8080 rollback -r runbooks/virtuoso-api.yaml respond --serve")
                .contains("Global options (every command):");
        assertThat(help.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
    }

    @Test
    void withoutYesAndWithoutATerminalANotificationOnlyRowAsksAndSoRefusesSendingNothing() throws Exception {
        Path book = cli.home.resolve("judge.yaml");
        Files.writeString(book, Files.readString(cli.runbookWithSlack()) + "decisionMatrix:\n"
                + "  - {severity: critical, minErrorRate: 0.5, action: evaluate then rollback, within: 30m}\n"
                + "  - {severity: low, minErrorRate: 0.0, action: monitor and hotfix, within: 2h}\n");
        cli.stdin = incident("0.judge", "open");
        CliHarness.Result r = cli.run(cli.slackEnv(), "-r", book.toString(), "respond");
        assertThat(r.code()).isEqualTo(2);
        assertThat(cli.controls.webhookMessages()).isEmpty();
        assertThat(Files.exists(cli.home.resolve("journal.jsonl"))).isFalse();
    }
}

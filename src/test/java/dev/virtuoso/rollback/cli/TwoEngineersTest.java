package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Alice and Bob roll back the same service at the same time, each with a journal of their own: the
 * one who plans while the other's change is still being applied is told, and the one whose change
 * is replaced while it waits says so at once.
 */
class TwoEngineersTest {
    private static final String ALICE_ASKED = "REVISION virtuoso-api-00002-def 100% tag stable-2024-07-24";
    /** The same, as the tool writes a traffic list. */
    private static final String ALICE_SHOWN = "virtuoso-api-00002-def (tag stable-2024-07-24) 100%";
    private final CliHarness cli = new CliHarness();
    private final Path bobsHome;
    /** A thread each: the common pool may have a single one, and Alice's run holds it while she waits. */
    private final ExecutorService engineers = Executors.newCachedThreadPool();

    TwoEngineersTest() throws IOException {
        bobsHome = Files.createTempDirectory("rollback-bob-");
        // Cloud Run takes its time: each change stays "being applied" until the test ends it.
        cli.controls.setOperationDelay(Duration.ofHours(1));
        // The tool's time moves only as it waits: a wait for a change that never comes ends at once.
        cli.manualTime();
    }

    @AfterEach
    void close() throws Exception {
        cli.close();
        engineers.shutdownNow();
    }

    private CompletableFuture<CliHarness.Result> alice(String... args) {
        return CompletableFuture.supplyAsync(() -> cli.rb(args), engineers);
    }

    private CompletableFuture<CliHarness.Result> bobStarts(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-r";
        all[1] = "runbooks/sandbox.yaml";
        System.arraycopy(args, 0, all, 2, args.length);
        return CompletableFuture.supplyAsync(() -> cli.run(Map.of("ROLLBACK_HOME", bobsHome.toString(), "USER", "bob"),
                all), engineers);
    }

    /** Bob's command, which must end without waiting for anything (a run that sent would wait for Alice's). */
    private CliHarness.Result bob(String... args) throws Exception {
        return bobStarts(args).get(30, TimeUnit.SECONDS);
    }

    private static void until(BooleanSupplier reached) throws InterruptedException {
        SandboxControls.awaitOtherThread(reached, "the other engineer's change never reached the sandbox");
    }

    @Test
    void aPlanWhileAChangeNotOursIsBeingAppliedSaysSoAndWithYesIsRefusedUnlessForced() throws Exception {
        CompletableFuture<CliHarness.Result> alices = alice("quick", "--previous", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());
        int sent = cli.mutations();

        CliHarness.Result refused = bob("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify");
        CliHarness.Result planned = bob("quick", "--to-revision", "virtuoso-api-00001-abc", "--dry-run");

        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(2);
        assertThat(refused.err()).isEqualTo("error: virtuoso-api is still applying a change this run did not send "
                + "(generation 5: traffic [" + ALICE_SHOWN + "] asked, virtuoso-api-00003-ghi (100%) serving until it "
                + "is in effect); a change now would replace it before it is in effect: agree with whoever sent it "
                + "(`rollback status` shows it), wait for it, or add --force to replace it; nothing was changed\n");
        assertThat(refused.out()).isEmpty();
        assertThat(planned.code()).as(planned.out() + planned.err()).isZero();
        assertThat(planned.out()).contains("note: virtuoso-api is still applying a change this run did not send "
                + "(generation 5: traffic [" + ALICE_SHOWN + "] asked, virtuoso-api-00003-ghi (100%) serving until it "
                + "is in effect); this plan starts from what that change asks and replaces it");
        assertThat(cli.mutations()).isEqualTo(sent);
        assertThat(bobsHome.resolve("journal.jsonl")).doesNotExist();

        cli.controls.completeOperationsNow();
        CliHarness.Result done = alices.get(30, TimeUnit.SECONDS);
        assertThat(done.code()).as(done.out() + done.err()).isZero();
        assertThat(cli.controls.traffic()).containsExactly(ALICE_ASKED);
    }

    @Test
    void onATerminalTheSecondQuestionIsAskedEvenWithForceGivenForAnotherWarning() throws Exception {
        CompletableFuture<CliHarness.Result> alices = alice("quick", "--previous", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());
        int sent = cli.mutations();
        cli.interactive = true;
        cli.stdin = "\ny\nn\n";

        CliHarness.Result r = bob("quick", "--to-revision", "virtuoso-api-00001-abc", "--force", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.out()).contains("Replace the change virtuoso-api is still applying, which this run did not send? "
                + "[y/N]");
        assertThat(cli.mutations()).isEqualTo(sent);
        cli.controls.completeOperationsNow();
        assertThat(alices.get(30, TimeUnit.SECONDS).code()).isZero();
    }

    @Test
    void aSecretRestoreWithoutRedeployIsNotHeldUpByAChangeToTheServiceItDoesNotTouch() throws Exception {
        cli.controls.apiKeyReadAsLatest(); // so the restore weighs the service's revisions as readers
        CompletableFuture<CliHarness.Result> alices = alice("quick", "--previous", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());

        CliHarness.Result r = bob("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes",
                "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("still applying a change this run did not send");
        cli.controls.completeOperationsNow();
        assertThat(alices.get(30, TimeUnit.SECONDS).code()).isZero();
        assertThat(cli.controls.traffic()).containsExactly(ALICE_ASKED);
    }

    @Test
    void onATerminalThePlanAsksASecondQuestionAndNoSendsNothing() throws Exception {
        CompletableFuture<CliHarness.Result> alices = alice("quick", "--previous", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());
        int sent = cli.mutations();
        cli.interactive = true;
        cli.stdin = "\ny\nn\n";

        CliHarness.Result r = bob("quick", "--to-revision", "virtuoso-api-00001-abc", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.out()).contains("Replace the change virtuoso-api is still applying, which this run did not send? "
                + "[y/N]");
        assertThat(r.err()).isEqualTo("error: not confirmed; nothing was changed\n");
        assertThat(cli.mutations()).isEqualTo(sent);
        cli.controls.completeOperationsNow();
        assertThat(alices.get(30, TimeUnit.SECONDS).code()).isZero();
    }

    @Test
    void whenAChangeNotOursReplacesOursWhileWeWaitWeStopAtOnceWithExit5AndJournalThatOursWasSentAndReplaced()
            throws Exception {
        CompletableFuture<CliHarness.Result> alices = alice("quick", "--previous", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());
        CompletableFuture<CliHarness.Result> bobs = bobStarts("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes",
                "--force", "--no-verify");
        until(() -> cli.controls.service().getGeneration() == 6); // the sandbox seeds 4: Alice 5, Bob 6

        cli.controls.completeOperationsNow();
        CliHarness.Result a = alices.get(30, TimeUnit.SECONDS);
        CliHarness.Result b = bobs.get(30, TimeUnit.SECONDS);

        assertThat(b.code()).as(b.out() + b.err()).isZero();
        assertThat(cli.controls.traffic()).containsExactly("REVISION virtuoso-api-00001-abc 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
        assertThat(a.code()).as(a.out() + a.err()).isEqualTo(5);
        List<JsonNode> journal = cli.journal();
        JsonNode last = journal.get(journal.size() - 1);
        assertThat(a.err()).startsWith("error: Cloud Run: virtuoso-api was changed again while the new traffic was "
                + "being applied, by a change this run did not send: it now asks for traffic ["
                + "virtuoso-api-00001-abc 100%, virtuoso-api-00002-def (tag stable-2024-07-24) 0%] (generation 6), "
                + "virtuoso-api-00003-ghi (100%) serving until it is in effect").contains("; the change was sent, then replaced by that later change before it was in effect; "
                + "`rollback undo " + last.path("id").asText() + "` would put back what "
                + "was there before over that later change, so it refuses unless forced\n");
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("changed").asBoolean()).isTrue();
        assertThat(last.path("after").toString()).contains("virtuoso-api-00002-def").doesNotContain("00001");
        assertThat(last.path("detail").asText()).contains("was sent, then replaced by that later change");

        // Undo does not put back what was there before over Bob's change without being told to.
        int calls = cli.mutations();
        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("virtuoso-api changed after it: it now serves virtuoso-api-00001-abc (100%)")
                .contains("last changed by you@virtuoso-sandbox.example at ", ", says Cloud Run (not through this journal)");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    /** A traffic target as the console sends one. */
    private static com.google.cloud.run.v2.TrafficTarget target(boolean latest, String revision, int percent,
                                                                String tag) {
        var t = com.google.cloud.run.v2.TrafficTarget.newBuilder().setPercent(percent).setType(latest
                ? com.google.cloud.run.v2.TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST
                : com.google.cloud.run.v2.TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION);
        return (revision == null ? t : t.setRevision(revision)).setTag(tag == null ? "" : tag).build();
    }

    @Test
    void aDeployWhoseTrafficAColleagueSendsToLatestMeanwhileIsExit5SayingItsRevisionServesAndUndoStillAsksForForce()
            throws Exception {
        cli.controls.changeService(s -> s.toBuilder().clearTraffic()
                .addTraffic(target(false, "virtuoso-api-00002-def", 100, "stable-2024-07-24")).build());
        String image = dev.virtuoso.rollback.sandbox.Sandbox.IMAGE + ":v1.0.0";
        CompletableFuture<CliHarness.Result> alices = alice("image", "--image", image, "--yes", "--no-verify");
        until(() -> cli.controls.service().getTemplate().getContainers(0).getImage().equals(image));
        // Bob, in the console, sends all traffic to LATEST while Alice's template is being applied:
        // once her revision is Ready, LATEST is her revision.
        cli.controls.changeService(s -> s.toBuilder().clearTraffic().addTraffic(target(true, null, 100, null))
                .addTraffic(target(false, "virtuoso-api-00002-def", 0, "stable-2024-07-24")).build());
        cli.controls.startRevisionsNow();
        cli.controls.completeOperationsNow();

        CliHarness.Result a = alices.get(30, TimeUnit.SECONDS);

        String latest = cli.controls.service().getLatestReadyRevision();
        String ours = latest.substring(latest.lastIndexOf('/') + 1);
        assertThat(cli.controls.service().getTemplate().getContainers(0).getImage()).isEqualTo(image);
        assertThat(cli.controls.trafficStatuses()).containsExactly("LATEST 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
        assertThat(a.code()).as(a.out() + a.err()).isEqualTo(5);
        String truth = "the change was sent and that later change kept part of it, but it is not in effect as asked ("
                + ours + " is deployed and Ready and serves 100% through the traffic asked now, [LATEST 100%, "
                + "virtuoso-api-00002-def (tag stable-2024-07-24) 0%], not the traffic this run asked)";
        assertThat(a.err()).contains("; " + truth + "; `rollback undo ").doesNotContain("before it was in effect");
        List<JsonNode> journal = cli.journal();
        JsonNode last = journal.get(journal.size() - 1);
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("changed").asBoolean()).isTrue();
        assertThat(last.path("detail").asText()).endsWith("; " + truth);

        // Bob's traffic list is not put back to the pinned one without being told to.
        int calls = cli.mutations();
        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("last changed by you@virtuoso-sandbox.example at ", ", says Cloud Run (not through this journal)");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aMoveToLatestDuringWhichCiDeploysAnotherImageIsExit5NamingTheirRevisionNotASuccess() throws Exception {
        cli.controls.changeService(s -> s.toBuilder().clearTraffic()
                .addTraffic(target(false, "virtuoso-api-00002-def", 100, "stable-2024-07-24")).build());
        CompletableFuture<CliHarness.Result> alices = alice("quick", "--to-latest", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());
        // CI deploys while Alice's traffic is being applied; a deploy sends the traffic list back as it
        // is, Alice's: the same list, but LATEST is now CI's revision.
        String ci = dev.virtuoso.rollback.sandbox.Sandbox.IMAGE + ":v2.0.0";
        cli.controls.deployElsewhere("virtuoso-api-ci-build", ci);
        cli.controls.startRevisionsNow();
        cli.controls.completeOperationsNow();

        CliHarness.Result a = alices.get(30, TimeUnit.SECONDS);

        assertThat(a.code()).as(a.out() + a.err()).isEqualTo(5);
        assertThat(a.err()).contains("was changed again while the new traffic was being applied, by a change this "
                + "run did not send").containsPattern("(its newest revision is virtuoso-api-ci-build, which LATEST "
                + "serves if it becomes Ready|LATEST serves its newest revision, virtuoso-api-ci-build);")
                .contains("; the change was sent and what it asked is in effect, together with that later change; ");
        assertThat(cli.controls.service().getTemplate().getContainers(0).getImage()).isEqualTo(ci);
        assertThat(cli.controls.trafficStatuses()).containsExactly("LATEST 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");

        // Undo does not route away from CI's revision without being told to.
        int calls = cli.mutations();
        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("LATEST now means virtuoso-api-ci-build (" + ci + ")");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void anUndoOfOurOwnChangeThatTimedOutWhileBeingAppliedIsNotTakenForSomeoneElses() throws Exception {
        List<String> seed = cli.controls.traffic();
        CompletableFuture<CliHarness.Result> first = alice("quick", "--previous", "--yes", "--no-verify");
        until(() -> cli.controls.service().getReconciling());
        cli.sleeper.sleep(Duration.ofMinutes(11)); // Alice's wait runs out while Cloud Run still applies her change
        CliHarness.Result timedOut = first.get(30, TimeUnit.SECONDS);
        assertThat(timedOut.code()).as(timedOut.out() + timedOut.err()).isEqualTo(4);
        assertThat(cli.controls.service().getReconciling()).isTrue();

        CompletableFuture<CliHarness.Result> undo = alice("undo", "--yes", "--no-verify");
        until(() -> cli.controls.service().getGeneration() == 6 || undo.isDone());
        assertThat(undo).as(() -> undo.join().out() + undo.join().err()).isNotDone();
        cli.controls.completeOperationsNow();

        CliHarness.Result undone = undo.get(30, TimeUnit.SECONDS);
        assertThat(undone.code()).as(undone.out() + undone.err()).isZero();
        assertThat(undone.out()).doesNotContain("did not send");
        assertThat(cli.controls.traffic()).isEqualTo(seed);
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.secretmanager.v1.SecretVersion;
import dev.virtuoso.rollback.sandbox.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Undo (and `quick --again`, `watch --auto`) never overwrite a change made after the step they build
 * on: exit 5, nothing sent, naming what is there now and, when the journal knows, who did it.
 * Engineer B works from a journal of their own, as a colleague on another laptop does.
 */
class UndoLaterChangeTest {
    private final CliHarness cli = new CliHarness();
    private final Path bobsHome = tempDir();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private Path tempDir() {
        try {
            return Files.createTempDirectory(cli.home, "bob-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Engineer B, from another machine: a journal of their own. */
    private CliHarness.Result bob(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-r";
        all[1] = "runbooks/sandbox.yaml";
        System.arraycopy(args, 0, all, 2, args.length);
        return cli.run(Map.of("ROLLBACK_HOME", bobsHome.toString(), "USER", "bob"), all);
    }

    private Map<String, Integer> spec() {
        Map<String, Integer> spec = new HashMap<>();
        for (TrafficTarget t : cli.service().getTrafficList()) {
            spec.merge(t.getType() == TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST ? "LATEST"
                    : t.getRevision() + (t.getTag().isEmpty() ? "" : "#" + t.getTag()), t.getPercent(), Integer::sum);
        }
        return spec;
    }

    private static void refusedWithNothingSent(CliHarness.Result r) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(5);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).hasSize(1);
    }

    private JsonNode lastRecord() throws IOException {
        List<JsonNode> lines = cli.journal();
        return lines.get(lines.size() - 1);
    }

    @Test
    void undoRefusesToOverwriteAColleaguesLaterChangeAndForceOverwritesItJournalingThatItDid() throws Exception {
        Map<String, Integer> original = spec();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        assertThat(bob("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        Map<String, Integer> bobs = spec();
        int calls = cli.mutations();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).startsWith("error: refusing to undo ")
                .contains("(quick --to-revision virtuoso-api-00002-def, ")
                .contains("virtuoso-api changed after it: it now serves virtuoso-api-00001-abc (100%)")
                .contains("last changed by you@virtuoso-sandbox.example at ", ", says Cloud Run (not through this journal)")
                .contains("nothing was sent (`rollback undo ").contains(" --force` undoes anyway)");
        assertThat(cli.mutations()).isEqualTo(calls);
        assertThat(spec()).isEqualTo(bobs);

        CliHarness.Result forced = cli.rb("undo", "--yes", "--force", "--no-verify");

        assertThat(forced.code()).as(forced.out() + forced.err()).isZero();
        assertThat(forced.out()).contains("--force: this overwrites a change made after ")
                .contains("it now serves virtuoso-api-00001-abc (100%)");
        assertThat(spec()).isEqualTo(original);
        JsonNode last = lastRecord();
        assertThat(last.path("command").asText()).matches("undo \\S+ --force");
        assertThat(cli.journal()).anySatisfy(r -> assertThat(r.path("detail").asText())
                .contains("--force: this overwrites a change made after"));
    }

    @Test
    void theRefusalNamesWhoMadeTheLaterChangeAndWhenWhenTheJournalHoldsIt() throws Exception {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        String first = cli.journal().get(0).path("id").asText();
        assertThat(cli.run(Map.of("USER", "bob"), "-r", "runbooks/sandbox.yaml", "quick", "--to-revision",
                "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        JsonNode bobs = lastRecord();
        int calls = cli.mutations();

        CliHarness.Result undo = cli.rb("undo", first, "--yes");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).contains("changed by bob at " + Instant.parse(bobs.path("time").asText())
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (journal "
                + bobs.path("id").asText() + ": quick --to-revision virtuoso-api-00001-abc)");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aServicePutBackAsItWasBeforeTheStepIsNoLaterChangeToKeepAndTheUndoChangesNothing() {
        Map<String, Integer> original = spec();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        assertThat(bob("quick", "--to-latest", "--yes", "--no-verify").code()).isZero();
        assertThat(spec()).isEqualTo(original);
        int calls = cli.mutations();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("traffic of virtuoso-api is already as recorded");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void undoOfARouteToLatestRefusesWhenAColleagueDeployedSinceBecauseLatestNowMeansTheirRevisionNamingWhoDeployed() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertThat(cli.rb("quick", "--to-latest", "--accept-rolled-back", "--yes", "--no-verify").code()).isZero();
        // The traffic list stays "LATEST 100%", but LATEST now means the colleague's fix.
        cli.controls.deployElsewhere("virtuoso-api-00009-fix", Sandbox.IMAGE + ":v1.2.2");
        cli.controls.startRevisionsNow();
        cli.controls.completeOperationsNow();
        assertThat(cli.service().getLatestReadyRevision()).endsWith("/virtuoso-api-00009-fix");
        int calls = cli.mutations();

        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).contains("virtuoso-api changed after it: LATEST now means virtuoso-api-00009-fix ("
                + Sandbox.IMAGE + ":v1.2.2), created ").contains("it serves virtuoso-api-00009-fix (100%)")
                .contains("; last changed by ci-deployer@virtuoso-sandbox.iam.gserviceaccount.com at ");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aChangeAfterTheUndoReadTheServiceIsCaughtBeforeApplyingNotOverwritten() {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        // The undo reads the service once, for its check and its plan; a colleague acts just after.
        AtomicInteger reads = new AtomicInteger();
        cli.controls.onGetService(() -> {
            if (reads.incrementAndGet() == 2) {
                routeAllTo("virtuoso-api-00001-abc");
            }
        });

        int calls = cli.mutations();

        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");

        assertThat(undo.code()).as(undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("virtuoso-api changed since the plan was made");
        assertThat(cli.mutations()).isEqualTo(calls);
        assertThat(spec()).isEqualTo(Map.of("virtuoso-api-00001-abc", 100));
    }

    @Test
    void anImageStepWhoseServiceRunsTheImageFromBeforeAgainHasNothingToUndo() {
        assertThat(cli.rb("image", "--image", Sandbox.IMAGE + ":v1.1.0", "--force-redeploy", "--yes", "--no-verify")
                .code()).isZero();
        assertThat(cli.rb("image", "--image", Sandbox.IMAGE + ":v1.0.0", "--yes", "--no-verify").code()).isZero();
        // A colleague deploys v1.1.0 again: the template and the traffic are as before the second step.
        cli.controls.deployElsewhere("virtuoso-api-00011-back", Sandbox.IMAGE + ":v1.1.0");
        cli.controls.startRevisionsNow();
        cli.controls.completeOperationsNow();
        int calls = cli.mutations();

        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");

        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("virtuoso-api runs " + Sandbox.IMAGE + ":v1.1.0 with the traffic recorded "
                + "before ").contains(" already");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aSecretChangedWhileThePlanWaitsAtThePromptIsExit5AndNothingIsChanged() {
        cli.interactive = true;
        cli.stdin = "\ny\n";
        cli.atPrompt = () -> cli.controls.apiKeyVersion(1, SecretVersion.State.DISABLED);
        int calls = cli.controls.mutatingCalls();

        CliHarness.Result r = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(5);
        assertThat(r.err()).contains("secret virtuoso-api-key changed since the plan was made").contains("nothing "
                + "was changed");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(cli.controls.secretVersions()).hasSize(3);
    }

    @Test
    void anAlertPolicyChangedWhileThePlanWaitsAtThePromptIsExit5AndNothingIsChanged() {
        assertThat(cli.rb("alert-policy", "--apply", "--yes").code()).isZero();
        cli.interactive = true;
        cli.stdin = "\ny\n";
        cli.atPrompt = () -> assertThat(bob("alert-policy", "--apply", "--yes", "--threshold", "0.2").code()).isZero();
        int writes = cli.controls.policyWrites() + 1; // bob's

        CliHarness.Result r = cli.rb("undo");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(5);
        assertThat(r.err()).contains("alert policy \"Auto Rollback on High Error Rate\" changed since the plan was "
                + "made (it is now 5xx ratio > 20% for 1m)");
        assertThat(cli.controls.policyWrites()).isEqualTo(writes);
    }

    private void routeAllTo(String revision) {
        cli.controls.changeService(s -> s.toBuilder().clearTraffic().addTraffic(TrafficTarget.newBuilder()
                .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                .setRevision(revision).setPercent(100)).build());
    }

    @Test
    void quickAgainRefusesWhenTheServiceChangedSinceTheRollbackItGoesFurtherBackFrom() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertThat(bob("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        int calls = cli.mutations();

        CliHarness.Result again = cli.rb("quick", "--previous", "--again", "--yes", "--no-verify");

        refusedWithNothingSent(again);
        assertThat(again.err()).startsWith("error: --again goes one further back from what `quick --previous` left")
                .contains("it now serves virtuoso-api-00001-abc (100%)")
                .contains("last changed by you@virtuoso-sandbox.example at ", ", says Cloud Run (not through this journal)")
                .contains("nothing was sent: name the revision to go to with `rollback quick --to-revision R`");
        assertThat(cli.mutations()).isEqualTo(calls);
        assertThat(spec()).containsEntry("virtuoso-api-00001-abc", 100);
    }

    @Test
    void watchAutoNeverActsOnAServiceChangedSinceItsLastLookAndJudgesWhatServesNowAfresh() {
        cli.manualTime();
        // Ticks at 0, 10, 20 and 30 s read the service once each; the fifth read is the rollback's own
        // plan, just after the trigger held for 30 s: a colleague routes to 00001 in between.
        AtomicInteger reads = new AtomicInteger();
        cli.controls.onGetService(() -> {
            if (reads.incrementAndGet() == 5) {
                cli.controls.changeService(s -> s.toBuilder().clearTraffic().addTraffic(TrafficTarget.newBuilder()
                        .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision("virtuoso-api-00001-abc").setPercent(100)).build());
            }
        });

        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "1m");

        assertThat(r.out()).contains("virtuoso-api-00003-ghi  FIRING").contains("trigger held for 30s")
                .contains("not rolling back: virtuoso-api changed since it was judged (generation ")
                .contains("): it now serves virtuoso-api-00001-abc (100%); watching what serves now");
        assertThat(r.out().substring(r.out().indexOf("watching what serves now")))
                .contains("virtuoso-api-00001-abc").doesNotContain("rolled back:");
        assertThat(cli.mutations()).isZero();
        assertThat(spec()).isEqualTo(Map.of("virtuoso-api-00001-abc", 100));
    }

    @Test
    void undoOfASecretRestoreRefusesWhenAVersionChangedSinceAndForceUndoesAnyway() throws Exception {
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes").code())
                .isZero();
        cli.controls.apiKeyVersion(1, SecretVersion.State.DISABLED); // by hand, in the console
        int calls = cli.controls.mutatingCalls();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).contains("secret virtuoso-api-key changed after it: version 1 is DISABLED (the step "
                + "left it ENABLED)");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);

        CliHarness.Result forced = cli.rb("undo", "--yes", "--force");
        assertThat(forced.code()).as(forced.out() + forced.err()).isZero();
        assertThat(forced.out()).contains("enable version 1").contains("disable version 4");
    }

    @Test
    void undoOfABigQueryRestoreRefusesWhenTheTableWasWrittenSince() {
        assertThat(cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes").code())
                .isZero();
        cli.controls.bigQueryWrite("analytics", "daily_totals", Instant.now(), List.of("written by the service"));
        int calls = cli.controls.bigQueryMutations();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).contains("table analytics.daily_totals was written after it (last modified ")
                .contains("undo would replace what was written since with the snapshot taken before the restore");
        assertThat(cli.controls.bigQueryMutations()).isEqualTo(calls);
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).contains("written by the service");
    }

    @Test
    void undoOfAFirestoreRestoreRefusesWhenAnotherImportRanSince() {
        cli.controls.setFirestoreOperationDelay(Duration.ofMillis(30));
        String export = cli.sandbox.firestoreExport();
        assertThat(cli.rb("restore", "firestore", "--from", export, "--yes").code()).isZero();
        assertThat(bob("restore", "firestore", "--from", export, "--yes").code()).isZero();
        int calls = cli.controls.firestoreMutations();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).contains("database (default) had another import after it: from " + export);
        assertThat(cli.controls.firestoreMutations()).isEqualTo(calls);
    }

    @Test
    void undoOfAnAlertPolicyStepRefusesWhenThePolicyWasEditedSince() {
        assertThat(cli.rb("alert-policy", "--apply", "--yes").code()).isZero();
        assertThat(bob("alert-policy", "--apply", "--yes", "--threshold", "0.2").code()).isZero();
        int writes = cli.controls.policyWrites();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        refusedWithNothingSent(undo);
        assertThat(undo.err()).contains("alert policy \"Auto Rollback on High Error Rate\" changed after it: it is "
                + "now 5xx ratio > 20% for 1m (the step left 5xx ratio > 50% for 1m)");
        assertThat(cli.controls.policyWrites()).isEqualTo(writes);
        assertThat(cli.controls.policies()).hasSize(1);
    }
}

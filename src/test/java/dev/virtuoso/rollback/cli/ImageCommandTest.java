package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.secretmanager.v1.SecretVersion;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Method 2 against the sandbox with the real Cloud Run client: reuse, a new revision, failure, undo. */
class ImageCommandTest {
    private static final String V100 = Sandbox.IMAGE + ":v1.0.0";
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private List<String> revisionNames() {
        JsonNode doc = json(cli.rb("-o", "json", "status").out());
        return doc.get("revisions").findValuesAsText("name");
    }

    private static JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "gcr.io/virtuoso-sandbox/Virtuoso-api:v1.0.0 | the path is lowercase letters, digits and . _ - between /",
        "gcr.io/virtuoso-sandbox/virtuoso-api@sha256:4f2a | a digest is sha256: and 64 hex digits",
        "gcr.io/virtuoso-sandbox/virtuoso-api: | a tag is 1 to 128 letters, digits, _ . - (not - or . first)",
        "gcr.io/virtuoso-sandbox/virtuoso-api:v1.0.0 latest | no spaces",
        "gcr.io//virtuoso-api:v1.0.0 | the path is lowercase letters, digits and . _ - between /",
        "virtuoso-api | name the tag or the digest to roll back to (without one it means :latest, which moves)",
        "gcr.io/virtuoso-sandbox/virtuoso-api | name the tag or the digest to roll back to (without one it means "
                + ":latest, which moves)",
    })
    void aMalformedImageReferenceIsExit2BeforeAnyCallToCloudRun(String image, String why) {
        int[] reads = {0};
        cli.controls.onGetService(() -> reads[0]++);

        CliHarness.Result r = cli.rb("image", "--image", image, "--yes");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --image '" + image + "' is not an image reference (REGISTRY/PATH:TAG "
                + "or REGISTRY/PATH@sha256:DIGEST): " + why + "\n");
        assertThat(reads[0]).isZero();
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void anImageNoRevisionOfTheServiceEverRanIsDeployedWithAWarningNamingTheImagesItRan() {
        String typo = "gcr.io/virtuoso-sandbox/virtuoso-app:v1.1.0";

        CliHarness.Result r = cli.rb("image", "--image", typo, "--yes", "--no-verify");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("note: no revision of virtuoso-api ever ran " + typo + " (a typo, or another "
                + "registry?); the images it ran, newest first: " + Sandbox.IMAGE + ":v1.2.0, " + Sandbox.IMAGE
                + ":v1.1.0, " + Sandbox.IMAGE + ":v1.0.0");
        assertThat(cli.rb("image", "--image", Sandbox.IMAGE + ":v1.0.0", "--yes", "--no-verify").out())
                .doesNotContain("ever ran");
    }

    @Test
    void previousReusesTheReadyRevisionThatRunsTheImageWithTheSameConfiguration() {
        int revisions = revisionNames().size();
        CliHarness.Result r = cli.rb("image", "--previous", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("serve " + Sandbox.IMAGE + ":v1.1.0 from virtuoso-api-00002-def")
                .contains("virtuoso-api-00002-def already runs " + Sandbox.IMAGE + ":v1.1.0 with the service's "
                        + "configuration: traffic goes to it, no new revision, no cold start (--force-redeploy "
                        + "deploys anyway, and keeps the service following LATEST: an older revision is served only "
                        + "pinned)")
                .contains("checks: 5/5 passed");
        assertThat(revisionNames()).hasSize(revisions);
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void anImageOnAServiceThatFollowsLatestIsServedThroughLatestInOneUpdateUnpinnedAndUndoPutsTheOldImageBack() {
        int revisions = revisionNames().size();
        // 00001 pins another version of the API key: its configuration differs, so v1.0.0 is deployed anew.
        CliHarness.Result r = cli.rb("image", "--image", V100, "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("image:").contains(Sandbox.BROKEN_IMAGE + " → " + V100 + " (new revision "
                + "virtuoso-api-rollback-").contains("; LATEST serves it once it is Ready")
                .contains("the service stays un-pinned").doesNotContain("pinned to").contains("checks: 5/5 passed");
        assertThat(revisionNames()).hasSize(revisions + 1);
        String created = revisionNames().get(0);
        assertThat(created).startsWith("virtuoso-api-rollback-");
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(V100);
        // LATEST moved to the new revision once it was Ready: no second update, nothing pinned, the tag kept.
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.service().getLatestReadyRevision()).endsWith("/revisions/" + created);
        assertThat(cli.mutations()).isEqualTo(1);

        CliHarness.Result undo = cli.run("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("deploy " + Sandbox.BROKEN_IMAGE);
        // LATEST serves again, and means a revision of the image from before, as it did.
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.BROKEN_IMAGE);
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(revisionNames()).hasSize(revisions + 2);
        assertThat(cli.mutations()).isEqualTo(2);
    }

    @Test
    void anImageOnAPinnedServiceIsDeployedThenGetsTheTrafficOnceReadyAndStaysPinned() {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        int updates = cli.mutations();
        CliHarness.Result r = cli.rb("image", "--image", V100, "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        String created = revisionNames().get(0);
        assertThat(r.out()).contains("deploy " + V100 + " as " + created + " and route traffic to it once it is Ready")
                .contains("traffic moves to " + created + " once it is Ready and is then pinned to it")
                .contains("checks: 5/5 passed");
        // Pinned to the new revision; the stable tag stays on 00002.
        assertThat(cli.controls.traffic()).containsExactly("REVISION " + created + " 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
        assertThat(cli.controls.trafficStatuses()).isEqualTo(cli.controls.traffic());
        // The template first, the traffic once the revision was Ready.
        assertThat(cli.mutations()).isEqualTo(updates + 2);
    }

    /** Redeploys an image that never starts; asserts the traffic is as it was, asked and served, and the journal. */
    private void aRedeployThatNeverBecomesReadyLeavesTheTrafficAsItWas() throws Exception {
        String bad = Sandbox.IMAGE + ":v0.9.9";
        cli.controls.imageFailsToStart(bad);
        List<String> spec = cli.controls.traffic();
        List<String> statuses = cli.controls.trafficStatuses();
        String latestReady = cli.service().getLatestReadyRevision();
        CliHarness.Result r = cli.rb("image", "--image", bad, "--yes");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.errBesidesRecords().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("failed to start and listen on the port").contains("the change was sent and is not "
                + "in effect yet (it failed)").contains("`rollback undo ");
        // No traffic list names the revision that failed: the team's next deploy is not refused because of it.
        assertThat(cli.controls.traffic()).isEqualTo(spec);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(statuses);
        assertThat(cli.service().getLatestReadyRevision()).isEqualTo(latestReady);
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(bad);
        // Over, not still being applied: a failed change leaves the observed generation behind.
        assertThat(cli.rb("status").out()).contains("failed: the deploy of " + cli.service().getLatestCreatedRevision()
                .substring(cli.service().getLatestCreatedRevision().lastIndexOf('/') + 1) + " (" + bad + ") failed")
                .doesNotContain("reconciling:");
        JsonNode last = cli.journal().get(cli.journal().size() - 1);
        assertThat(last.get("state").asText()).isEqualTo("failed");
        assertThat(last.get("changed").asBoolean()).isTrue();
    }

    @Test
    void aRedeployOfAServiceThatFollowsLatestWhoseRevisionNeverBecomesReadyIsExit4AndLeavesItsTrafficAsItWas()
            throws Exception {
        aRedeployThatNeverBecomesReadyLeavesTheTrafficAsItWas();
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void aRedeployOfAPinnedServiceWhoseRevisionNeverBecomesReadyIsExit4AndLeavesItsTrafficAsItWas() throws Exception {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        int updates = cli.mutations();
        aRedeployThatNeverBecomesReadyLeavesTheTrafficAsItWas();
        // The template alone was sent: the traffic update waits for a Ready revision.
        assertThat(cli.mutations()).isEqualTo(updates + 1);
        // Its undo deploys the image that served before, with the traffic it never moved.
        CliHarness.Result undo = cli.rb("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":v1.1.0");
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }

    @Test
    void aChangeByAnotherWriterBetweenTheDeployAndItsTrafficIsExit4JournaledAsDeployedAndReadyForUndo()
            throws Exception {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        // Once the deploy is done, someone tags 00001 before the traffic moves.
        java.util.concurrent.atomic.AtomicBoolean tagged = new java.util.concurrent.atomic.AtomicBoolean();
        cli.controls.onGetService(() -> {
            var s = cli.service();
            if (s.getTemplate().getContainers(0).getImage().equals(V100) && !s.getReconciling()
                    && tagged.compareAndSet(false, true)) {
                cli.controls.changeService(x -> x.toBuilder().addTraffic(com.google.cloud.run.v2.TrafficTarget
                        .newBuilder().setType(com.google.cloud.run.v2.TrafficTargetAllocationType
                                .TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision("virtuoso-api-00001-abc").setTag("hotfix")).build());
            }
        });
        CliHarness.Result r = cli.rb("image", "--image", V100, "--yes");
        String created = revisionNames().get(0);
        // Exit 5 would say nothing was sent: the deploy was.
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(r.err()).contains(created + " is deployed and Ready, but its traffic was not moved: virtuoso-api "
                + "changed since the plan was made").contains("the change was sent and is not in effect yet ("
                + created + " is deployed and Ready, but the traffic was not moved to it)").contains("`rollback undo ");
        // Nothing of theirs overwritten, and the traffic not moved.
        assertThat(cli.controls.traffic()).containsExactly(SandboxControls.PREVIOUS_SERVES.get(0),
                "REVISION virtuoso-api-00001-abc 0% tag hotfix");
        JsonNode last = cli.journal().get(cli.journal().size() - 1);
        assertThat(last.get("state").asText()).isEqualTo("failed");
        assertThat(last.get("changed").asBoolean()).isTrue();
        assertThat(last.get("detail").asText()).contains(created + " is deployed and Ready, but the traffic was not "
                + "moved to it");
    }

    @Test
    void aDeployAnEarlierRunLeftInFlightOnAPinnedServiceIsAdoptedThenItsTrafficMoved() {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify").code()).isZero();
        // An earlier `image` run sent its template (the traffic left as it was), then was killed.
        cli.controls.setRevisionStartDelay(java.time.Duration.ofSeconds(1));
        String earlier = "virtuoso-api-rollback-earlier";
        cli.controls.deployElsewhere(earlier, V100);
        int revisions = cli.controls.revisionCount();
        int updates = cli.mutations();

        CliHarness.Result again = cli.rb("image", "--image", V100, "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("already in flight").contains("it was not sent again")
                .contains("checks: 5/5 passed");
        // The template was not sent again; the traffic the earlier run never reached was.
        assertThat(cli.mutations()).isEqualTo(updates + 1);
        assertThat(cli.controls.revisionCount()).isEqualTo(revisions);
        assertThat(cli.controls.trafficStatuses()).containsExactly("REVISION " + earlier + " 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
    }

    @Test
    void previousRightAfterAnImageRollbackNeverWalksBackOntoTheReleaseItRolledBackFrom() {
        // The rollback's new revision is the newest, so the revision and image "before" it are the broken ones.
        assertThat(cli.rb("image", "--previous", "--force-redeploy", "--yes", "--no-verify").code()).isZero();
        String latest = cli.service().getLatestReadyRevision();
        String rollback = latest.substring(latest.lastIndexOf('/') + 1);
        assertThat(rollback).startsWith("virtuoso-api-rollback-");
        int calls = cli.mutations();

        CliHarness.Result quick = cli.rb("quick", "--previous", "--yes", "--no-verify");
        CliHarness.Result image = cli.rb("image", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).isEqualTo(2);
        assertThat(quick.err().strip()).startsWith("error: " + rollback + " serves because of `image --previous "
                + "--force-redeploy` ").endsWith("; --previous now would go one further back: to do that, `rollback "
                + "quick --previous --again`");
        assertThat(image.code()).isEqualTo(2);
        assertThat(image.err().strip()).startsWith("error: " + rollback + " serves because of `image --previous "
                + "--force-redeploy` ").endsWith("; --previous now would go one further back, to "
                + Sandbox.BROKEN_IMAGE + ": to do that, name it: `rollback image --image " + Sandbox.BROKEN_IMAGE + "`");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aTrafficStepRefusedAfterTheRevisionWasDeployedIsExit4NeverExit2() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero(); // pinned: two updates
        String image = Sandbox.IMAGE + ":v0.9.9";
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        cli.controls.onGetService(() -> {
            var s = cli.controls.service();
            if (!armed.get() && s.getTemplate().getContainers(0).getImage().equals(image) && !s.getReconciling()) {
                armed.set(true);
                cli.controls.failNextUpdate(io.grpc.Status.INVALID_ARGUMENT.withDescription("refused"));
            }
        });

        CliHarness.Result r = cli.rb("image", "--image", image, "--yes", "--no-verify");

        assertThat(armed).isTrue();
        assertThat(r.code()).as(r.err()).isEqualTo(4);
        assertThat(r.err()).contains("is deployed and Ready, but the traffic was not moved").contains("`rollback undo ");
    }

    @Test
    void aTargetPinningADisabledSecretVersionIsRefusedUnlessForced() {
        cli.controls.apiKeyVersion(1, SecretVersion.State.DISABLED);
        CliHarness.Result r = cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: virtuoso-api-00001-abc pins secret virtuoso-api-key version 1 "
                + "(env API_KEY), which is DISABLED: its instances would not start; enable that version, or pass "
                + "--force to go on anyway");
        assertThat(cli.mutations()).isZero();
        CliHarness.Result forced = cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--force",
                "--no-verify");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(forced.out()).contains("which is DISABLED: its instances would not start (going on: --force)");
    }

    @Test
    void aDryRunOfAnImageDeployChangesNothing() {
        CliHarness.Result r = cli.rb("--dry-run", "image", "--image", V100);
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("dry run: deploy " + V100);
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void aDrillWithABadImageLeavesTheServiceServingWhatItServedAndNamesTheRevisionsItMade() throws Exception {
        // The service serves through LATEST a good image: deploy v1.1.0 anew, then un-pin.
        assertThat(cli.rb("image", "--image", Sandbox.IMAGE + ":v1.1.0", "--force-redeploy", "--yes").code()).isZero();
        assertThat(cli.rb("quick", "--to-latest", "--yes").code()).isZero();
        String good = cli.service().getLatestReadyRevision();
        String bad = Sandbox.IMAGE + ":v2.0.0-bad";
        cli.controls.imageIsBroken(bad);

        CliHarness.Result r = cli.rb("-o", "json", "drill", "--bad-image", bad, "--report",
                cli.home.resolve("r").toString(), "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        JsonNode report = json(r.out());
        assertThat(report.get("ok").asBoolean()).isTrue();
        assertThat(report.get("stableRevision").asText()).isEqualTo(good.substring(good.lastIndexOf('/') + 1));
        JsonNode created = report.get("createdRevisions");
        assertThat(created).hasSize(2);
        // LATEST serves again, and means a revision of the image it meant before the drill.
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.service().getLatestReadyRevision()).endsWith(created.get(1).asText());
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":v1.1.0");
        assertThat(Files.readString(Files.list(cli.home.resolve("r")).filter(p -> p.toString().endsWith(".md"))
                .findFirst().orElseThrow())).contains(created.get(0).asText()).contains(created.get(1).asText());
    }

    @Test
    void aDrillWhoseRevisionToRecoverToFailsItsChecksNowStopsBeforeChangingAnything() {
        // The seeded service serves its broken revision: no healthy revision to come back to.
        var seed = cli.service();
        CliHarness.Result r = cli.rb("drill", "--bad-image", Sandbox.IMAGE + ":v9", "--report",
                cli.home.resolve("r").toString(), "--yes");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("virtuoso-api fails 5 of 5 checks now").contains("before the drill")
                .contains("--stable-revision");
        assertThat(cli.controls.mutatingCalls()).isZero();
        assertThat(cli.service()).isEqualTo(seed);
    }

    @Test
    void aDrillWithABadImageRestoresTheImageLatestServedNotTheTemplatesFailedOne() throws Exception {
        // The seed's template names v1.2.1, whose deploy never became Ready; LATEST serves v1.2.0.
        String bad = Sandbox.IMAGE + ":v2.0.0-bad";
        cli.controls.imageIsBroken(bad);
        CliHarness.Result r = cli.rb("drill", "--bad-image", bad, "--stable-revision", "virtuoso-api-00002-def",
                "--report", cli.home.resolve("r").toString(), "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("deploying " + Sandbox.BROKEN_IMAGE + " again so that LATEST means it")
                .contains("detecting the bad revision: done after");
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.BROKEN_IMAGE);
        assertThat(cli.service().getLatestReadyRevision()).contains("virtuoso-api-rollback-");
        // Its undo is an image one (after a Ctrl-C whose restore failed it would redeploy that image: LATEST
        // alone would mean whatever revision is newest); the drill put everything back, so it has nothing to do.
        assertThat(cli.rb("--dry-run", "undo").out()).contains("virtuoso-api runs " + Sandbox.BROKEN_IMAGE
                + " with the traffic recorded before ").contains(" already");
    }
}

package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.UpdateServiceRequest;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.model.ChangeReplaced;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Cloud Run client over gRPC against the sandbox emulator on loopback. */
class CloudRunServiceControlTest {
    private static final ServiceRef REF = new ServiceRef(Sandbox.PROJECT, Sandbox.REGION, Sandbox.SERVICE);
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final TrafficEntry STABLE = new TrafficEntry(false, "virtuoso-api-00002-def", 100, "stable-2024-07-24");

    private Sandbox sandbox;
    private GcpClients clients;
    private CloudRunServiceControl control;
    private SandboxControls controls;
    /** Tool time a test skips ahead: a look that is due now, rather than after waiting for it. */
    private final AtomicReference<Duration> skipped = new AtomicReference<>(Duration.ZERO);
    /**
     * The sandbox's delays are real, so the tool's time runs with real time, plus what a test skips;
     * its pauses return at once (the reads between them are what take time).
     */
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(skipped.get());
        }
    };
    /** Runs what a colleague's change must interrupt. */
    private final ExecutorService background = Executors.newCachedThreadPool();

    @BeforeEach
    void start() {
        sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(100)));
        clients = new GcpClients(sandbox.emulatorVariables());
        control = new CloudRunServiceControl(clients, new Wait(clock, d -> { }));
        controls = new SandboxControls(sandbox);
    }

    @AfterEach
    void stop() {
        background.shutdownNow();
        clients.close();
        sandbox.close();
    }

    @Test
    void readsTheServiceWithShortRevisionNamesAndTagUrls() {
        ServiceState s = control.service(REF);
        assertThat(s.latestReadyRevision()).isEqualTo("virtuoso-api-00003-ghi");
        assertThat(s.latestCreatedRevision()).isEqualTo("virtuoso-api-00004-jkl");
        assertThat(s.traffic()).containsExactly(TrafficEntry.toLatest(100), STABLE.withPercent(0));
        assertThat(s.servingRevision()).contains("virtuoso-api-00003-ghi");
        assertThat(s.tagUrls()).containsEntry("stable-2024-07-24", sandbox.demoUrl() + "/t/stable-2024-07-24");
        assertThat(s.uri()).isEqualTo(sandbox.demoUrl().toString());
    }

    @Test
    void revisionsComeNewestFirstWhateverOrderTheApiUses() {
        assertThat(control.revisions(REF)).extracting(Revision::name).containsExactly("virtuoso-api-00004-jkl",
                "virtuoso-api-00003-ghi", "virtuoso-api-00002-def", "virtuoso-api-00001-abc");
        assertThat(control.revisions(REF).get(0).ready()).isFalse();
    }

    @Test
    void updateWaitsUntilReallyServingAndNoticesItPromptly() {
        controls.setOperationDelay(Duration.ofMillis(1000));
        ServiceState before = control.service(REF);
        ServiceState after = control.updateTraffic(before, List.of(STABLE), LIMIT, Progress.NONE);
        java.time.Instant noticed = java.time.Instant.now();
        assertThat(after.settledOn(List.of(STABLE))).isTrue();
        assertThat(after.generation()).isEqualTo(before.generation() + 1);
        assertThat(controls.service().getReconciling()).isFalse();
        // The server started serving the new split at this instant (its serving timeline).
        var timeline = controls.timeline();
        java.time.Instant finished = timeline.get(timeline.size() - 1).since();
        // A 1 s operation is noticed within 250 ms + 10% of finishing (the stock poller: 0-5 s, jittered).
        assertThat(Duration.between(finished, noticed).toMillis()).isBetween(0L, 250L + 100L);
    }

    @Test
    void theOperationsAnswerSettlesTheUpdateWithoutAnotherRead() {
        ServiceState before = control.service(REF);
        AtomicInteger gets = new AtomicInteger();
        controls.onGetService(gets::incrementAndGet);
        ServiceState after = control.updateTraffic(before, List.of(STABLE), LIMIT, Progress.NONE);
        assertThat(after.settledOn(List.of(STABLE))).isTrue();
        // The one read is the check for a change since the plan; what serves comes with the operation's result.
        assertThat(gets).hasValue(1);
    }

    @Test
    void aChangeBetweenPlanAndApplyIsAConflictAndNothingIsSent() {
        ServiceState planned = control.service(REF);
        controls.changeService(s -> s.toBuilder()
                .addTraffic(TrafficTarget.newBuilder().setType(com.google.cloud.run.v2.TrafficTargetAllocationType
                        .TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION).setRevision("virtuoso-api-00001-abc").setTag("hotfix"))
                .build());
        int calls = controls.cloudRunMutations();
        assertThatThrownBy(() -> control.updateTraffic(planned, List.of(STABLE), LIMIT, Progress.NONE))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("changed since the plan was made")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        assertThat(controls.cloudRunMutations()).isEqualTo(calls);
        assertThat(controls.traffic()).containsExactly("LATEST 100%", "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24",
                "REVISION virtuoso-api-00001-abc 0% tag hotfix");
    }

    @Test
    void staleEtagRejectedByTheServerIsAConflictToo() {
        ServiceState planned = control.service(REF);
        // A writer slipping in between our re-read and the update: the server answers ABORTED (AIP-154).
        controls.failNextUpdate(Status.ABORTED.withDescription("etag mismatch"));
        assertThatThrownBy(() -> control.updateTraffic(planned, List.of(STABLE), LIMIT, Progress.NONE))
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
    }

    @Test
    void apiErrorsMapToExitCodesNamingTheResource() {
        assertThatThrownBy(() -> control.service(new ServiceRef(Sandbox.PROJECT, Sandbox.REGION, "nope")))
                .hasMessageContaining("not found")
                .hasMessageContaining("projects/virtuoso-sandbox/locations/us-central1/services/nope")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
        controls.failOperationPolls(Status.PERMISSION_DENIED.withDescription("caller lacks run.operations.get"), 100);
        ServiceState planned = control.service(REF);
        assertThatThrownBy(() -> control.updateTraffic(planned, List.of(STABLE), LIMIT, Progress.NONE))
                .hasMessageContaining("caller lacks run.operations.get")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
        controls.failOperationPolls(Status.OK, 0);
        // That update was accepted and its operation is still running: let it end now, or it ends
        // (and changes the etag) between the next read and the next update, a conflict by chance.
        controls.completeOperationsNow();
        assertThatThrownBy(() -> control.updateTraffic(control.service(REF), List.of(STABLE.withPercent(50)), LIMIT, Progress.NONE))
                .hasMessageContaining("add up to 100")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
    }

    /** The names of the revisions there are now. */
    private Set<String> known() {
        return control.revisions(REF).stream().map(Revision::name).collect(Collectors.toSet());
    }

    /** Someone else (CI, say) deploys {@code image}: the template's image changed, Cloud Run names the revision. */
    private void deployElsewhere(String image) throws Exception {
        Service s = controls.service();
        clients.services().updateServiceAsync(UpdateServiceRequest.newBuilder().setService(s.toBuilder()
                .setTemplate(s.getTemplate().toBuilder().clearRevision()
                        .setContainers(0, s.getTemplate().getContainers(0).toBuilder().setImage(image))))
                .build()).getInitialFuture().get(5, TimeUnit.SECONDS);
    }

    /** Someone else routes all traffic to 00001 (applied and reconciled at once). */
    private void routeAllTo00001() {
        controls.changeService(s -> s.toBuilder().clearTraffic().addTraffic(TrafficTarget.newBuilder()
                .setType(com.google.cloud.run.v2.TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                .setRevision("virtuoso-api-00001-abc").setPercent(100)).build());
    }

    @Test
    void aTrafficChangeInFlightThatSomeoneElseReplacesEndsTheWaitAtOnceWithExit5() throws Exception {
        controls.setOperationDelay(Duration.ofHours(1));
        // An earlier run of ours sent this, then was killed; the new run adopts it.
        Service s = controls.service();
        clients.services().updateServiceAsync(UpdateServiceRequest.newBuilder().setService(s.toBuilder().clearTraffic()
                .addTraffic(TrafficTarget.newBuilder().setType(com.google.cloud.run.v2.TrafficTargetAllocationType
                        .TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION).setRevision(STABLE.revision()).setPercent(100)
                        .setTag(STABLE.tag()))).build()).getInitialFuture().get(5, TimeUnit.SECONDS);
        ServiceState planned = control.service(REF);
        assertThat(planned.applying()).isTrue();
        routeAllTo00001();

        assertThatThrownBy(() -> control.awaitTraffic(planned, List.of(STABLE), Duration.ofHours(1), Progress.NONE))
                .isInstanceOf(ChangeReplaced.class)
                .hasMessage("Cloud Run: virtuoso-api was changed again while the new traffic was being applied, by a "
                        + "change this run did not send: it now asks for traffic [virtuoso-api-00001-abc 100%] "
                        + "(generation " + (planned.generation() + 1) + "), virtuoso-api-00001-abc (100%) serving")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
    }

    @Test
    void anUpdateReplacedWhileItsOperationStillRunsStopsAtTheNextLookNotAtTheDeadline() throws Exception {
        controls.setOperationDelay(Duration.ofHours(1));
        ServiceState before = control.service(REF);
        Recorded progress = new Recorded();
        var update = CompletableFuture.runAsync(() -> control.updateTraffic(before, List.of(STABLE),
                Duration.ofMinutes(5), progress), background);
        SandboxControls.awaitOtherThread(() -> !progress.lines.isEmpty(), "our update was never followed");
        routeAllTo00001();
        // Our operation is still running (for an hour): the next look at the service ends the wait.
        skipped.set(CloudRunServiceControl.LOOK);

        assertThatThrownBy(() -> update.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChangeReplaced.class)
                .hasMessageContaining("it now asks for traffic [virtuoso-api-00001-abc 100%]");
        assertThat(controls.traffic()).containsExactly("REVISION virtuoso-api-00001-abc 100%");
    }

    @Test
    void aDeployBySomeoneElseThatSendsOurTrafficListBackWhileOurMoveToLatestIsAppliedIsExit5NotSuccess()
            throws Exception {
        control.updateTraffic(control.service(REF), List.of(STABLE), LIMIT, Progress.NONE);
        controls.setOperationDelay(Duration.ofHours(1));
        ServiceState before = control.service(REF);
        List<TrafficEntry> latest = List.of(TrafficEntry.toLatest(100), STABLE.withPercent(0));
        var update = CompletableFuture.supplyAsync(() -> control.updateTraffic(before, latest, LIMIT, Progress.NONE),
                background);
        SandboxControls.awaitOtherThread(() -> controls.service().getReconciling(), "our update never reached the sandbox");
        // CI deploys a new image; a deploy sends the traffic list back as it is, which is ours now.
        deployElsewhere(Sandbox.IMAGE + ":v9.9.9");
        controls.startRevisionsNow();
        controls.completeOperationsNow();

        assertThatThrownBy(() -> update.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChangeReplaced.class)
                .hasMessageContaining("was changed again while the new traffic was being applied")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        // Their revision serves through the LATEST we asked for: not what we planned, and not overwritten.
        Service now = controls.service();
        assertThat(now.getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":v9.9.9");
        assertThat(CloudRunServiceControl.toState(REF, now).serving()).containsExactly(java.util.Map.entry(
                CloudRunServiceControl.shortName(now.getLatestReadyRevision()), 100));
        assertThat(now.getLatestReadyRevision()).isNotEqualTo(before.latestReadyRevision());
    }

    @Test
    void ourOwnDeployWhoseTrafficFollowsLatestMovesItsTrafficWithoutTakingItsNewRevisionForSomeoneElses() {
        control.updateTraffic(control.service(REF), List.of(STABLE), LIMIT, Progress.NONE);
        ServiceState pinned = control.service(REF);
        ServiceState after = control.deploy(pinned, Sandbox.IMAGE + ":v9.9.9", "virtuoso-api-rb-one",
                List.of(TrafficEntry.toLatest(100), STABLE.withPercent(0)), LIMIT, Progress.NONE);
        assertThat(after.serving()).containsExactly(java.util.Map.entry("virtuoso-api-rb-one", 100));
        assertThat(controls.traffic()).containsExactly("LATEST 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
    }

    @Test
    void trafficChangedBySomeoneElseWhileOurDeployWasAppliedIsExit5AndNotOverwrittenByOurs() throws Exception {
        controls.setOperationDelay(Duration.ofHours(1));
        ServiceState before = control.service(REF);
        String image = Sandbox.IMAGE + ":v9.9.9";
        List<TrafficEntry> ours = List.of(new TrafficEntry(false, "virtuoso-api-rb-one", 100, null),
                STABLE.withPercent(0));
        var deploy = CompletableFuture.runAsync(() -> control.deploy(before, image, "virtuoso-api-rb-one", ours, LIMIT,
                Progress.NONE), background);
        // While our template is being applied, a colleague pins the service to 00001.
        SandboxControls.awaitOtherThread(() -> controls.service().getTemplate().getContainers(0).getImage().equals(image),
                "our deploy never reached the sandbox");
        routeAllTo00001();
        controls.startRevisionsNow();
        controls.completeOperationsNow();

        assertThatThrownBy(() -> deploy.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChangeReplaced.class)
                .hasMessageEndingWith("virtuoso-api-rb-one is deployed and Ready, but the traffic it was to get was not "
                        + "moved over that change");
        assertThat(controls.traffic()).containsExactly("REVISION virtuoso-api-00001-abc 100%");
    }

    @Test
    void aNewRevisionStillStartingAtTheDeadlineIsATimeoutNotAFailure() throws Exception {
        controls.setRevisionStartDelay(Duration.ofHours(1));
        Set<String> known = known();
        deployElsewhere(Sandbox.IMAGE + ":v9.9.9");
        assertThatThrownBy(() -> control.awaitDeploy(REF, known, Duration.ofMillis(500), Progress.NONE))
                .hasMessageMatching("Cloud Run: the new revision virtuoso-api-00005-[a-z]{3} still not Ready after "
                        + "\\d+\\.\\ds; see `rollback status`")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
    }

    @Test
    void aDeployToAPinnedServiceIsAwaitedUntilItsOperationIsDone() throws Exception {
        control.updateTraffic(control.service(REF), List.of(STABLE), LIMIT, Progress.NONE);
        controls.setOperationDelay(Duration.ofMillis(700));
        Set<String> known = known();
        deployElsewhere(Sandbox.IMAGE + ":v9.9.9");
        ServiceState deployed = control.awaitDeploy(REF, known, LIMIT, Progress.NONE);
        assertThat(deployed.reconciling()).isFalse();
        assertThat(deployed.serving()).containsOnlyKeys(STABLE.revision());
        // Current, not stale: a traffic update planned on it is no conflict.
        assertThat(control.service(REF).etag()).isEqualTo(deployed.etag());
    }

    @Test
    void aRevisionReadyWhileItsDeployIsStillUpdatingAtTheDeadlineIsATimeoutNotASuccess() throws Exception {
        controls.setOperationDelay(Duration.ofHours(1));
        Set<String> known = known();
        deployElsewhere(Sandbox.IMAGE + ":v9.9.9");
        controls.startRevisionsNow();
        assertThatThrownBy(() -> control.awaitDeploy(REF, known, Duration.ofSeconds(1), Progress.NONE))
                .hasMessageMatching("Cloud Run: the new revision virtuoso-api-00005-[a-z]{3} is Ready but virtuoso-api "
                        + "is still updating after .*; see `rollback status`")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
    }

    @Test
    void aNewRevisionThatFailsToStartSaysWhy() throws Exception {
        controls.imageFailsToStart(Sandbox.IMAGE + ":v9.9.9");
        Set<String> known = known();
        deployElsewhere(Sandbox.IMAGE + ":v9.9.9");
        assertThatThrownBy(() -> control.awaitDeploy(REF, known, LIMIT, Progress.NONE))
                .hasMessageMatching("Cloud Run: the new revision virtuoso-api-00005-[a-z]{3} did not become Ready: "
                        + "The user-provided container failed to start and listen on the port .*")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
    }

    /** Every progress line, updates and final lines alike. */
    private static final class Recorded implements Progress {
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void update(String message) {
            lines.add(message);
        }

        @Override
        public void done(String message) {
            lines.add(message);
        }
    }

    @Test
    void aDeployIsCalledADeployInProgressAndErrors() {
        String image = Sandbox.IMAGE + ":v9.9.9";
        ServiceState before = control.service(REF);
        Recorded progress = new Recorded();
        control.deploy(before, image, "virtuoso-api-rb-one", before.traffic(), LIMIT, progress);
        assertThat(progress.lines).anyMatch(l -> l.startsWith("waiting for Cloud Run to apply the deploy of " + image
                + " ("));
        // LATEST serves it once it is Ready: no traffic update follows.
        assertThat(progress.lines.get(progress.lines.size() - 1)).isEqualTo("virtuoso-api-rb-one is Ready and serving");
        assertThat(progress.lines).noneMatch(l -> l.contains("traffic"));

        controls.failAfterDone("Ingress could not be configured");
        ServiceState now = control.service(REF);
        List<TrafficEntry> pinned = List.of(new TrafficEntry(false, "virtuoso-api-rb-two", 100, null),
                STABLE.withPercent(0));
        assertThatThrownBy(() -> control.deploy(now, Sandbox.IMAGE + ":v9.9.8", "virtuoso-api-rb-two", pinned,
                LIMIT, Progress.NONE))
                .hasMessageEndingWith("failed to apply the deploy of " + Sandbox.IMAGE + ":v9.9.8: Ingress could not be "
                        + "configured");
    }

    @Test
    void aRevisionNameTakenWithAnotherConfigurationIsExit4WithCloudRunsMessageAndChangesNothing() {
        ServiceState before = control.service(REF);
        control.deploy(before, Sandbox.IMAGE + ":v9.9.9", "virtuoso-api-rb-one", before.traffic(), LIMIT,
                Progress.NONE);
        ServiceState now = control.service(REF);
        Service seen = controls.service();
        int calls = controls.cloudRunMutations();
        assertThatThrownBy(() -> control.deploy(now, Sandbox.IMAGE + ":v9.9.8", "virtuoso-api-rb-one", now.traffic(),
                LIMIT, Progress.NONE))
                .hasMessage("Cloud Run: already exists on update of " + REF.path() + ": Revision named "
                        + "'virtuoso-api-rb-one' with different configuration already exists.")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
        assertThat(controls.cloudRunMutations()).isEqualTo(calls + 1);
        assertThat(controls.service()).isEqualTo(seen);
    }

    @Test
    void aRevisionNameRefusedAsTakenByARevisionRunningExactlyWhatWasAskedIsFollowedAndSaidSo() {
        String image = Sandbox.IMAGE + ":v9.9.9";
        ServiceState before = control.service(REF);
        control.deploy(before, image, "virtuoso-api-rb-one", before.traffic(), LIMIT, Progress.NONE);
        ServiceState second = control.service(REF);
        control.deploy(second, Sandbox.IMAGE + ":v9.9.8", "virtuoso-api-rb-two", second.traffic(), LIMIT,
                Progress.NONE);
        control.updateTraffic(control.service(REF), List.of(STABLE), LIMIT, Progress.NONE);
        // Whether Cloud Run takes again a name whose revision runs exactly the template is undocumented: refused.
        controls.failNextUpdate(Status.ALREADY_EXISTS.withDescription("Revision named 'virtuoso-api-rb-one' already "
                + "exists."));
        Recorded progress = new Recorded();
        ServiceState after = control.deploy(control.service(REF), image, "virtuoso-api-rb-one",
                List.of(TrafficEntry.toRevision("virtuoso-api-rb-one", 100), STABLE.withPercent(0)), LIMIT, progress);
        assertThat(progress.lines).contains("virtuoso-api-rb-one exists already and runs " + image + " with this "
                + "configuration: following it, nothing new deployed");
        assertThat(after.serving()).containsExactly(java.util.Map.entry("virtuoso-api-rb-one", 100));
        assertThat(controls.revisionCount()).isEqualTo(6);
    }

    @Test
    void aDeployWhoseAnswerIsLostIsFollowedNotSentAgain() {
        String image = Sandbox.IMAGE + ":v9.9.9";
        ServiceState before = control.service(REF);
        int calls = controls.cloudRunMutations();
        controls.loseNextAnswer(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 10s"));
        ServiceState after = control.deploy(before, image, "virtuoso-api-rb-one", before.traffic(), LIMIT,
                Progress.NONE);
        assertThat(controls.cloudRunMutations()).isEqualTo(calls + 1);
        assertThat(after.image()).isEqualTo(image);
        assertThat(after.latestReadyRevision()).isEqualTo("virtuoso-api-rb-one");
    }

    @Test
    void someoneElsesDeployAfterALostAnswerIsAConflictNotOurs() {
        ServiceState before = control.service(REF);
        // Our update is refused unapplied, its answer a bare UNAVAILABLE; before we look, CI deploys
        // another image: a newer generation, and the traffic (LATEST 100%) is just what we asked.
        controls.failNextUpdate(Status.UNAVAILABLE.withDescription("connection reset"));
        AtomicInteger gets = new AtomicInteger();
        controls.onGetService(() -> {
            if (gets.incrementAndGet() == 2) {
                controls.changeService(s -> s.toBuilder().setTemplate(s.getTemplate().toBuilder()
                        .setContainers(0, s.getTemplate().getContainers(0).toBuilder()
                                .setImage(Sandbox.IMAGE + ":v7.0.0"))).build());
            }
        });
        assertThatThrownBy(() -> control.deploy(before, Sandbox.IMAGE + ":v9.9.9", "virtuoso-api-rb-one",
                before.traffic(), LIMIT, Progress.NONE))
                .hasMessageContaining("changed since the plan was made")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.CONFLICT));
        assertThat(controls.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":v7.0.0");
    }
}

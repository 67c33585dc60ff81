package dev.virtuoso.rollback.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.longrunning.OperationFuture;
import com.google.api.gax.longrunning.OperationTimedPollAlgorithm;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.Container;
import com.google.cloud.run.v2.ListRevisionsRequest;
import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.RevisionsClient;
import com.google.cloud.run.v2.RevisionsSettings;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.ServicesClient;
import com.google.cloud.run.v2.ServicesSettings;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.run.v2.UpdateServiceRequest;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Template changes through the real Cloud Run client: the new revision exists at once, starts
 * (or fails to) when the test says so, and only then serves; and the CI pipeline that deploys
 * each push to a bare git repository. Nothing here waits out a delay: both delays are an hour
 * and the test runs the delayed work itself. The only real waits are for CI's poll (every 200 ms),
 * bounded at one second.
 */
class SandboxDeployTest {
    private static final String SVC = Sandbox.servicePath(Sandbox.SERVICE);
    private static final String SERVING = "virtuoso-api-00003-ghi";
    private static final Duration NEVER = Duration.ofHours(1);
    /** Revisions start and operations end when the test says (controls.startRevisionsNow, completeOperationsNow). */
    private static final Sandbox.Options HELD = Sandbox.Options.defaults().withOperationDelay(NEVER)
            .withRevisionStartDelay(NEVER);

    private Sandbox sandbox;
    private SandboxControls controls;
    private ServicesClient services;
    private RevisionsClient revisions;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Starts the sandbox with {@code options} and connects the clients. */
    private void start(Sandbox.Options options) throws Exception {
        sandbox = Sandbox.start(options);
        controls = new SandboxControls(sandbox);
        var channel = ServicesSettings.defaultGrpcTransportProviderBuilder().setEndpoint(sandbox.cloudRunHost())
                .setChannelConfigurator(ManagedChannelBuilder::usePlaintext).build();
        ServicesSettings.Builder settings = ServicesSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create()).setTransportChannelProvider(channel);
        // The stock poller waits 5 s before its first look; these operations are done when the test says.
        settings.updateServiceOperationSettings().setPollingAlgorithm(OperationTimedPollAlgorithm.create(
                RetrySettings.newBuilder().setInitialRetryDelayDuration(Duration.ofMillis(10)).setRetryDelayMultiplier(1)
                        .setMaxRetryDelayDuration(Duration.ofMillis(10)).setTotalTimeoutDuration(Duration.ofSeconds(30))
                        .setInitialRpcTimeoutDuration(Duration.ZERO).setRpcTimeoutMultiplier(1)
                        .setMaxRpcTimeoutDuration(Duration.ZERO).build()));
        services = ServicesClient.create(settings.build());
        revisions = RevisionsClient.create(RevisionsSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create()).setTransportChannelProvider(channel).build());
    }

    @AfterEach
    void stop() {
        if (sandbox != null) {
            services.close();
            revisions.close();
            sandbox.close();
        }
    }

    private static Service withImage(Service s, String image) {
        return s.toBuilder().setTemplate(s.getTemplate().toBuilder().clearRevision().clearContainers()
                .addContainers(Container.newBuilder().setImage(image))).build();
    }

    private OperationFuture<Service, Service> update(Service asked) throws Exception {
        OperationFuture<Service, Service> op = services.updateServiceAsync(UpdateServiceRequest.newBuilder()
                .setService(asked).build());
        op.getInitialFuture().get(5, TimeUnit.SECONDS);
        return op;
    }

    private static Condition ready(Revision r) {
        return r.getConditionsList().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }

    /** The revision answering the demo service's /health now, and its status code. */
    private String answering() throws Exception {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(sandbox.demoUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.discarding());
        return r.headers().firstValue("X-Revision").orElse("-") + " " + r.statusCode();
    }

    private static String shortName(String name) {
        return name.substring(name.lastIndexOf('/') + 1);
    }

    @Test
    void aNewImageIsARevisionAtOnceThenReadyThenServing() throws Exception {
        start(HELD);
        Service before = services.getService(SVC);
        OperationFuture<Service, Service> op = update(withImage(before, Sandbox.IMAGE + ":v1.3.0"));

        // Accepted: the revision exists and is the latest created, still starting; nothing else moved.
        Service accepted = services.getService(SVC);
        String created = accepted.getLatestCreatedRevision();
        assertThat(created).matches(".*/revisions/virtuoso-api-00005-[a-z]{3}");
        Revision starting = revisions.getRevision(created);
        assertThat(starting.getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":v1.3.0");
        assertThat(ready(starting).getState()).isEqualTo(Condition.State.CONDITION_RECONCILING);
        assertThat(starting.getReconciling()).isTrue();
        assertThat(accepted.getReconciling()).isTrue();
        assertThat(accepted.getLatestReadyRevision()).endsWith(SERVING);
        assertThat(accepted.getTrafficStatusesList()).isEqualTo(before.getTrafficStatusesList());
        assertThat(answering()).isEqualTo(SERVING + " 503");

        // Started: Ready, but the traffic is not routed to it until the operation ends.
        controls.startRevisionsNow();
        assertThat(ready(revisions.getRevision(created)).getState()).isEqualTo(Condition.State.CONDITION_SUCCEEDED);
        assertThat(revisions.getRevision(created).getReconciling()).isFalse();
        assertThat(services.getService(SVC).getReconciling()).isTrue();
        assertThat(op.isDone()).isFalse();
        assertThat(answering()).isEqualTo(SERVING + " 503");

        controls.completeOperationsNow();
        Service done = op.get(5, TimeUnit.SECONDS);
        assertThat(done.getLatestReadyRevision()).isEqualTo(created);
        assertThat(done.getReconciling()).isFalse();
        assertThat(done.getObservedGeneration()).isEqualTo(done.getGeneration()).isEqualTo(before.getGeneration() + 1);
        assertThat(done.getTerminalCondition().getState()).isEqualTo(Condition.State.CONDITION_SUCCEEDED);
        // LATEST follows it; the tagged 0% entry was sent back and is kept, with its URL.
        assertThat(SandboxControls.trafficStatuses(done)).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(done.getTrafficStatuses(1).getUri()).endsWith("/t/stable-2024-07-24");
        assertThat(answering()).isEqualTo(shortName(created) + " 200");
    }

    @Test
    void trafficOnlyChangesCreateNoRevision() throws Exception {
        start(HELD);
        Service before = services.getService(SVC);
        OperationFuture<Service, Service> op = update(before.toBuilder().clearTraffic()
                .addTraffic(TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision("virtuoso-api-00002-def").setPercent(100).setTag("stable-2024-07-24"))
                .build());
        controls.startRevisionsNow();
        controls.completeOperationsNow();
        Service done = op.get(5, TimeUnit.SECONDS);
        assertThat(done.getLatestCreatedRevision()).isEqualTo(before.getLatestCreatedRevision());
        assertThat(revisions.listRevisions(ListRevisionsRequest.newBuilder().setParent(SVC).build()).iterateAll())
                .hasSize(4);
        assertThat(answering()).isEqualTo("virtuoso-api-00002-def 200");
    }

    @Test
    void anImageThatFailsToStartEndsTheDeployInErrorAndTheOldRevisionKeepsServing() throws Exception {
        start(HELD);
        String image = Sandbox.IMAGE + ":v1.3.0";
        controls.imageFailsToStart(image);
        Service before = services.getService(SVC);
        OperationFuture<Service, Service> op = update(withImage(before, image));
        String created = services.getService(SVC).getLatestCreatedRevision();
        String name = shortName(created);
        controls.startRevisionsNow();

        // The operation ends at once in error (code 13), naming the revision, with Cloud Run's words.
        assertThatThrownBy(() -> op.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .satisfies(e -> assertThat(((ApiException) e.getCause()).getStatusCode().getCode())
                        .isEqualTo(StatusCode.Code.INTERNAL))
                .hasMessageContaining("Revision '" + name + "' is not ready and cannot serve traffic. The user-provided "
                        + "container failed to start and listen on the port defined provided by the PORT=8080 "
                        + "environment variable");
        Revision failed = revisions.getRevision(created);
        assertThat(ready(failed).getState()).isEqualTo(Condition.State.CONDITION_FAILED);
        assertThat(ready(failed).getRevisionReason()).isEqualTo(Condition.RevisionReason.HEALTH_CHECK_CONTAINER_ERROR);
        assertThat(ready(failed).getMessage()).startsWith("The user-provided container failed to start")
                .contains("Logs URL: https://console.cloud.google.com/logs/viewer?project=virtuoso-sandbox&resource="
                        + "cloud_run_revision/service_name/virtuoso-api/revision_name/" + name);

        Service after = services.getService(SVC);
        assertThat(after.getReconciling()).isFalse();
        assertThat(after.getTerminalCondition().getState()).isEqualTo(Condition.State.CONDITION_FAILED);
        assertThat(after.getTerminalCondition().getMessage())
                .isEqualTo("Revision '" + name + "' is not ready and cannot serve traffic. " + ready(failed).getMessage());
        assertThat(after.getLatestCreatedRevision()).isEqualTo(created);
        // service.proto, `reconciling`: a failed reconciliation leaves the last serving state.
        assertThat(after.getLatestReadyRevision()).isEqualTo(before.getLatestReadyRevision());
        assertThat(after.getTrafficStatusesList()).isEqualTo(before.getTrafficStatusesList());
        assertThat(after.getObservedGeneration()).isEqualTo(before.getObservedGeneration());
        assertThat(after.getGeneration()).isEqualTo(before.getGeneration() + 1);
        assertThat(after.getTemplate().getContainers(0).getImage()).isEqualTo(image);
        assertThat(answering()).isEqualTo(SERVING + " 503");
    }

    @Test
    void trafficNamingTheRevisionThatFailsKeepsTheOldStatusesAndCannotBeSentAgain() throws Exception {
        start(HELD);
        String image = Sandbox.IMAGE + ":v1.3.0";
        controls.imageFailsToStart(image);
        Service before = services.getService(SVC);
        TrafficTarget toNew = TrafficTarget.newBuilder()
                .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                .setRevision("virtuoso-api-v130").setPercent(100).build();
        Service asked = withImage(before, image);
        asked = asked.toBuilder().setTemplate(asked.getTemplate().toBuilder().setRevision("virtuoso-api-v130"))
                .setTraffic(0, toNew).build();
        // A revision the update itself creates may be named in its traffic before it exists.
        OperationFuture<Service, Service> op = update(asked);
        controls.startRevisionsNow();
        assertThatThrownBy(() -> op.get(5, TimeUnit.SECONDS))
                .hasMessageContaining("Revision 'virtuoso-api-v130' is not ready and cannot serve traffic.");

        Service after = services.getService(SVC);
        assertThat(after.getTrafficList()).isEqualTo(asked.getTrafficList());
        assertThat(after.getTrafficStatusesList()).isEqualTo(before.getTrafficStatusesList());
        assertThat(after.getLatestReadyRevision()).isEqualTo(before.getLatestReadyRevision());
        assertThat(answering()).isEqualTo(SERVING + " 503");

        // Sent again, a failed revision with a share of the traffic is refused before anything changes.
        assertThatThrownBy(() -> update(after))
                .hasMessageContaining("FAILED_PRECONDITION")
                .hasMessageContaining("Revision 'virtuoso-api-v130' is not ready and cannot serve traffic.");
        assertThat(services.getService(SVC)).isEqualTo(after);
    }

    @Test
    void aTemplateNamingAnExistingRevisionIsThatRevisionAgainWhenItAsksForWhatItRunsElseAlreadyExists()
            throws Exception {
        start(HELD);
        Service before = services.getService(SVC);
        Revision stable = revisions.getRevision(SVC + "/revisions/virtuoso-api-00002-def");
        Service another = before.toBuilder().setTemplate(before.getTemplate().toBuilder()
                .setRevision("virtuoso-api-00002-def").setContainers(0, stable.getContainers(0).toBuilder()
                        .clearEnv())).build();
        assertThatThrownBy(() -> update(another))
                .satisfies(e -> assertThat(((ApiException) e.getCause()).getStatusCode().getCode())
                        .isEqualTo(StatusCode.Code.ALREADY_EXISTS))
                .hasMessageContaining("Revision named 'virtuoso-api-00002-def' with different configuration already "
                        + "exists.");
        assertThat(services.getService(SVC)).isEqualTo(before);

        OperationFuture<Service, Service> op = update(before.toBuilder().setTemplate(before.getTemplate().toBuilder()
                .setRevision("virtuoso-api-00002-def").setContainers(0, stable.getContainers(0))).build());
        controls.startRevisionsNow();
        controls.completeOperationsNow();
        Service done = op.get(5, TimeUnit.SECONDS);
        // No new revision: that one, the latest created and Ready again, which LATEST follows.
        assertThat(revisions.listRevisions(ListRevisionsRequest.newBuilder().setParent(SVC).build()).iterateAll())
                .hasSize(4);
        assertThat(done.getLatestCreatedRevision()).isEqualTo(stable.getName());
        assertThat(done.getLatestReadyRevision()).isEqualTo(stable.getName());
        assertThat(answering()).isEqualTo("virtuoso-api-00002-def 200");
    }

    @Test
    void aDemoServiceNamedAsLongAsCloudRunAllowsIsSeededWithRevisionsNamedAfterIt() throws Exception {
        String name = "virtuoso-api-" + "x".repeat(35) + "1";
        start(HELD.withService(name));
        Service s = services.getService(Sandbox.servicePath(name));
        assertThat(s.getLatestReadyRevision()).endsWith("/revisions/" + name + "-00003-ghi");
        assertThat(s.getTraffic(1).getRevision()).isEqualTo(name + "-00002-def");
        assertThat(answering()).isEqualTo(name + "-00003-ghi 503");
        assertThatThrownBy(() -> HELD.withService(name + "2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + name + "2' is not a name Cloud Run allows for a service");
    }

    // ---- CI on a bare git repository ----------------------------------------------------------

    @TempDir
    Path tmp;

    private static final Map<String, String> DEVELOPER = Map.of("GIT_AUTHOR_NAME", "On Call",
            "GIT_AUTHOR_EMAIL", "oncall@virtuoso.example", "GIT_COMMITTER_NAME", "On Call",
            "GIT_COMMITTER_EMAIL", "oncall@virtuoso.example");

    private static String git(Path dir, String... args) throws Exception {
        return Git.run(dir, DEVELOPER, args).strip();
    }

    /** A working clone of the sandbox's repository, as a developer has it. */
    private Path cloneOf(Path repo) throws Exception {
        Path work = tmp.resolve("work");
        git(tmp, "clone", "--quiet", repo.toString(), work.toString());
        return work;
    }

    /** Pushes, then waits (at most a second) until CI has asked Cloud Run for the commit's image. */
    private Revision pushAndAwaitDeploy(Path work) throws Exception {
        String image = Sandbox.IMAGE + ":" + git(work, "rev-parse", "HEAD").substring(0, 7);
        git(work, "push", "--quiet", "origin", "main");
        long pushed = System.nanoTime();
        while (!controls.service().getTemplate().getContainers(0).getImage().equals(image)) {
            assertThat(Duration.ofNanos(System.nanoTime() - pushed)).as("time for CI to deploy " + image)
                    .isLessThan(Duration.ofSeconds(1));
            Thread.sleep(10);
        }
        Revision created = revisions.getRevision(services.getService(SVC).getLatestCreatedRevision());
        assertThat(created.getContainers(0).getImage()).isEqualTo(image);
        return created;
    }

    @Test
    void aPushIsDeployedAsANewRevisionOfItsShortShaAndItsHealthFollowsServiceProperties() throws Exception {
        Path repo = tmp.resolve("virtuoso-api.git");
        start(HELD.withGitRepo(repo, "main"));
        Path work = cloneOf(repo);

        // A fix: healthy again. Ready, and LATEST serves it once the operation ends.
        Path properties = work.resolve("service.properties");
        Files.writeString(properties, Files.readString(properties).replace("healthy=false", "healthy=true"));
        git(work, "commit", "--quiet", "--all", "--message", "Drop the command cache");
        Revision fixed = pushAndAwaitDeploy(work);
        assertThat(ready(fixed).getState()).isEqualTo(Condition.State.CONDITION_RECONCILING);
        controls.startRevisionsNow();
        controls.completeOperationsNow();
        assertThat(ready(revisions.getRevision(fixed.getName())).getState())
                .isEqualTo(Condition.State.CONDITION_SUCCEEDED);
        assertThat(answering()).isEqualTo(shortName(fixed.getName()) + " 200");

        // This commit's image never listens on its port: the deploy fails, the fixed revision serves on.
        Files.writeString(properties, Files.readString(properties) + "starts=false\n");
        git(work, "commit", "--quiet", "--all", "--message", "Read the port from a file");
        Revision failing = pushAndAwaitDeploy(work);
        controls.startRevisionsNow();
        assertThat(ready(revisions.getRevision(failing.getName())).getState())
                .isEqualTo(Condition.State.CONDITION_FAILED);
        assertThat(services.getService(SVC).getTerminalCondition().getMessage())
                .startsWith("Revision '" + shortName(failing.getName()) + "' is not ready and cannot serve traffic.");
        assertThat(answering()).isEqualTo(shortName(fixed.getName()) + " 200");

        // Reverted: a healthy image again, a new revision that serves.
        git(work, "revert", "--no-edit", "HEAD");
        Revision reverted = pushAndAwaitDeploy(work);
        controls.startRevisionsNow();
        controls.completeOperationsNow();
        assertThat(answering()).isEqualTo(shortName(reverted.getName()) + " 200");
        assertThat(controls.cloudRunMutations()).as("CI is not the tool: its deploys are not counted").isZero();
    }

    @Test
    void theSeededHistoryMatchesTheRevisionsAndRevertingItsBreakingCommitDeploysAHealthyRevision() throws Exception {
        Path repo = tmp.resolve("new/virtuoso-api.git");
        start(HELD.withGitRepo(repo, "main"));
        assertThat(git(repo, "--git-dir=" + repo, "rev-parse", "--is-bare-repository")).isEqualTo("true");
        // Watching began at the seeded head: nothing deployed yet.
        assertThat(revisions.listRevisions(ListRevisionsRequest.newBuilder().setParent(SVC).build()).iterateAll())
                .hasSize(4);

        Path work = cloneOf(repo);
        assertThat(git(work, "log", "--format=%s", "main").lines())
                .containsExactly("Release v1.2.0: cache command lookups", "Release v1.1.0: list commands by name",
                        "Release v1.0.0");
        assertThat(git(work, "tag", "--points-at", "HEAD")).isEqualTo("v1.2.0");
        assertThat(git(work, "show", "v1.1.0:service.properties")).contains("healthy=true");
        assertThat(git(work, "show", "v1.2.0:service.properties")).contains("healthy=false");
        // Each commit was made before the revision of its version was created.
        List<Revision> seeded = List.of(revisions.getRevision(SVC + "/revisions/virtuoso-api-00001-abc"),
                revisions.getRevision(SVC + "/revisions/virtuoso-api-00002-def"),
                revisions.getRevision(SVC + "/revisions/virtuoso-api-00003-ghi"));
        for (Revision r : seeded) {
            String tag = r.getContainers(0).getImage().substring(Sandbox.IMAGE.length() + 1);
            long committed = Long.parseLong(git(work, "log", "-1", "--format=%ct", tag));
            assertThat(committed).isBetween(r.getCreateTime().getSeconds() - 3600, r.getCreateTime().getSeconds());
        }

        git(work, "revert", "--no-edit", "HEAD");
        Revision reverted = pushAndAwaitDeploy(work);
        controls.startRevisionsNow();
        controls.completeOperationsNow();
        assertThat(answering()).isEqualTo(shortName(reverted.getName()) + " 200");
    }

    @Test
    void aBrokenCommitStartsAndServesErrors() throws Exception {
        Path repo = tmp.resolve("virtuoso-api.git");
        start(HELD.withGitRepo(repo, "main"));
        Path work = cloneOf(repo);
        git(work, "revert", "--no-edit", "HEAD");
        git(work, "revert", "--no-edit", "HEAD");  // the breaking change, back again
        Revision broken = pushAndAwaitDeploy(work);
        controls.startRevisionsNow();
        controls.completeOperationsNow();
        assertThat(ready(revisions.getRevision(broken.getName())).getState())
                .isEqualTo(Condition.State.CONDITION_SUCCEEDED);
        assertThat(answering()).isEqualTo(shortName(broken.getName()) + " 503");
    }

    @Test
    void aDirectoryThatIsNotABareRepositoryIsRefused() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        assertThatThrownBy(() -> Sandbox.start(HELD.withGitRepo(plain, "main")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(plain + " is not a bare git repository (pushes need one: git init --bare " + plain + ")");
    }
}

package dev.virtuoso.rollback.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.run.v2.Container;
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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The emulator through the real Cloud Run client, and the demo service over HTTP. */
class SandboxTest {
    private static final String SVC = Sandbox.servicePath(Sandbox.SERVICE);
    private Sandbox sandbox;
    private ServicesClient services;
    private RevisionsClient revisions;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(50)));
        var channel = ServicesSettings.defaultGrpcTransportProviderBuilder().setEndpoint(sandbox.cloudRunHost())
                .setChannelConfigurator(ManagedChannelBuilder::usePlaintext).build();
        services = ServicesClient.create(ServicesSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create()).setTransportChannelProvider(channel).build());
        revisions = RevisionsClient.create(RevisionsSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create()).setTransportChannelProvider(channel).build());
    }

    @AfterEach
    void stop() {
        services.close();
        revisions.close();
        sandbox.close();
    }

    private static TrafficTarget revision(String name, int percent) {
        return TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                .setRevision(name).setPercent(percent).build();
    }

    private Service withTraffic(TrafficTarget... targets) {
        return services.getService(SVC).toBuilder().clearTraffic().addAllTraffic(List.of(targets)).build();
    }

    /** Another actor sets the traffic; it is reconciled at once. */
    private void split(TrafficTarget... targets) {
        sandbox.cloudRun().changeService(SVC, s -> s.toBuilder().clearTraffic().addAllTraffic(List.of(targets)).build());
    }

    /**
     * "revision status" of each of n requests, counted. Sent 10 at a time: the JDK server writes
     * headers and body apart, so each exchange waits out a delayed ACK (~40 ms).
     */
    private java.util.Map<String, Long> answers(String path, int n) throws Exception {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (int sent = 0; sent < n; sent += 10) {
            List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> batch = new java.util.ArrayList<>();
            for (int i = sent; i < Math.min(n, sent + 10); i++) {
                batch.add(http.sendAsync(HttpRequest.newBuilder(URI.create(sandbox.demoUrl() + path)).build(),
                        HttpResponse.BodyHandlers.discarding()));
            }
            for (var f : batch) {
                HttpResponse<Void> r = f.get();
                out.merge(r.headers().firstValue("X-Revision").orElse("-") + " " + r.statusCode(), 1L, Long::sum);
            }
        }
        return out;
    }

    private int status(String path, String key) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(sandbox.demoUrl() + path));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void invalidTrafficIsRejectedSynchronouslyAndChangesNothing() {
        Service before = services.getService(SVC);
        record Case(Service asked, StatusCode.Code code) {
        }
        List<Case> cases = List.of(
                new Case(withTraffic(revision("virtuoso-api-00001-abc", 50)), StatusCode.Code.INVALID_ARGUMENT),
                new Case(withTraffic(revision("virtuoso-api-00009-zzz", 100)), StatusCode.Code.INVALID_ARGUMENT),
                new Case(withTraffic(revision("other-service-00001-aaa", 100)), StatusCode.Code.INVALID_ARGUMENT),
                new Case(withTraffic(revision("virtuoso-api-00004-jkl", 100)), StatusCode.Code.FAILED_PRECONDITION),
                new Case(withTraffic(revision("virtuoso-api-00001-abc", 100)).toBuilder().setEtag("\"stale\"").build(),
                        StatusCode.Code.ABORTED));
        for (Case c : cases) {
            assertThatThrownBy(() -> services.updateServiceAsync(UpdateServiceRequest.newBuilder().setService(c.asked())
                    .build()).get()).hasRootCauseInstanceOf(io.grpc.StatusRuntimeException.class)
                    .satisfies(e -> assertThat(((ApiException) e.getCause()).getStatusCode().getCode()).isEqualTo(c.code()));
        }
        assertThat(sandbox.cloudRun().mutatingCalls()).isEqualTo(cases.size());
        assertThat(services.getService(SVC)).isEqualTo(before);
    }

    @Test
    void updateReconcilesThenSettles() throws Exception {
        sandbox.cloudRun().setOperationDelay(Duration.ofMillis(400));
        var op = services.updateServiceAsync(UpdateServiceRequest.newBuilder()
                .setService(withTraffic(revision("virtuoso-api-00001-abc", 100))).build());
        op.getInitialFuture().get();
        Service inFlight = services.getService(SVC);
        assertThat(inFlight.getReconciling()).isTrue();
        assertThat(inFlight.getObservedGeneration()).isLessThan(inFlight.getGeneration());
        Service done = op.get();
        assertThat(done.getReconciling()).isFalse();
        assertThat(done.getObservedGeneration()).isEqualTo(done.getGeneration());
        assertThat(SandboxControls.trafficStatuses(done)).containsExactly("REVISION virtuoso-api-00001-abc 100%");
        assertThat(done.getEtag()).isNotEqualTo(inFlight.getEtag());
    }

    @Test
    void aNewImageMakesANewReadyRevisionAndAReusedNameIsRefused() throws Exception {
        Service current = services.getService(SVC);
        Service asked = current.toBuilder().setTemplate(current.getTemplate().toBuilder().clearContainers()
                .addContainers(Container.newBuilder().setImage(Sandbox.IMAGE + ":v1.1.0"))).build();
        Service done = services.updateServiceAsync(UpdateServiceRequest.newBuilder().setService(asked).build()).get();
        assertThat(done.getLatestReadyRevision()).matches(".*/revisions/virtuoso-api-00005-[a-z]{3}");
        assertThat(revisions.getRevision(done.getLatestReadyRevision()).getContainers(0).getImage()).endsWith(":v1.1.0");
        Service reuse = done.toBuilder().setTemplate(done.getTemplate().toBuilder().setRevision("virtuoso-api-00001-abc")
                .clearContainers().addContainers(Container.newBuilder().setImage(Sandbox.IMAGE + ":v9"))).build();
        assertThatThrownBy(() -> services.updateServiceAsync(UpdateServiceRequest.newBuilder().setService(reuse).build())
                .get()).hasMessageContaining("with different configuration already exists");
    }

    @Test
    void demoServiceFollowsTheServingRevisionAndChecksTheKey() throws Exception {
        assertThat(status("/health", null)).isEqualTo(503);
        assertThat(status("/api/v1/commands", Sandbox.API_KEY)).isEqualTo(500);
        assertThat(status("/api/v1/commands", null)).isEqualTo(401);
        assertThat(status("/t/stable-2024-07-24/health", null)).isEqualTo(200);
        assertThat(status("/t/no-such-tag/health", null)).isEqualTo(404);
        services.updateServiceAsync(UpdateServiceRequest.newBuilder()
                .setService(withTraffic(revision("virtuoso-api-00002-def", 100))).build()).get();
        assertThat(status("/health", null)).isEqualTo(200);
        assertThat(status("/api/v1/commands", Sandbox.API_KEY)).isEqualTo(200);
    }

    @Test
    void latestIsAnsweredByTheLatestReadyRevisionNotTheNewestCreated() throws Exception {
        // 00004 is the newest but never became Ready; LATEST means 00003.
        assertThat(answers("/health", 3)).containsExactly(java.util.Map.entry("virtuoso-api-00003-ghi 503", 3L));
    }

    @Test
    void aTenPercentCanaryAnswersExactlyTenOfEveryHundredRequests() throws Exception {
        split(revision("virtuoso-api-00002-def", 90), revision("virtuoso-api-00003-ghi", 10));
        assertThat(answers("/health", 100)).containsExactly(java.util.Map.entry("virtuoso-api-00002-def 200", 90L),
                java.util.Map.entry("virtuoso-api-00003-ghi 503", 10L));
        // Smooth, not in a block: the next ten requests meet the canary once.
        assertThat(answers("/health", 10)).containsEntry("virtuoso-api-00003-ghi 503", 1L);
    }

    @Test
    void aTagUrlReachesOnlyItsRevisionWhateverTheSplit() throws Exception {
        split(revision("virtuoso-api-00001-abc", 50), revision("virtuoso-api-00003-ghi", 50),
                revision("virtuoso-api-00002-def", 0).toBuilder().setTag("stable-2024-07-24").build());
        assertThat(answers("/t/stable-2024-07-24/health", 20))
                .containsExactly(java.util.Map.entry("virtuoso-api-00002-def 200", 20L));
        assertThat(answers("/health", 20)).containsExactly(java.util.Map.entry("virtuoso-api-00001-abc 200", 10L),
                java.util.Map.entry("virtuoso-api-00003-ghi 503", 10L));
    }
}

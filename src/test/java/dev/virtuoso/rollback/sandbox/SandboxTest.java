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
    private final HttpClient http = HttpClient.newHttpClient();

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
        assertThat(done.getTrafficStatusesList()).hasSize(1);
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
}

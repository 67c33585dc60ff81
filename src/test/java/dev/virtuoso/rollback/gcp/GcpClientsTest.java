package dev.virtuoso.rollback.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.run.v2.GetServiceRequest;
import com.google.cloud.run.v2.ListRevisionsRequest;
import com.google.cloud.run.v2.ListRevisionsResponse;
import com.google.cloud.run.v2.RevisionsGrpc;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.ServicesGrpc;
import com.google.monitoring.v3.AlertPolicyServiceGrpc;
import com.google.monitoring.v3.ListAlertPoliciesRequest;
import com.google.monitoring.v3.ListAlertPoliciesResponse;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.ListTimeSeriesResponse;
import com.google.monitoring.v3.MetricServiceGrpc;
import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.RunbookException;
import io.grpc.Attributes;
import io.grpc.Server;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GcpClientsTest {
    /** Connections waiting to be accepted: each probe is one (the clients' own channels connect lazily). */
    private static int accepted(ServerSocket server) throws IOException {
        server.setSoTimeout(300);
        int n = 0;
        while (true) {
            try (Socket s = server.accept()) {
                n++;
            } catch (SocketTimeoutException e) {
                return n;
            }
        }
    }

    @Test
    void anEmulatorIsProbedOnceForAllTheClientsThatUseIt() throws Exception {
        try (ServerSocket emulator = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             GcpClients clients = new GcpClients(Map.of(GcpClients.CLOUD_RUN_EMULATOR_HOST,
                     "127.0.0.1:" + emulator.getLocalPort(), GcpClients.MONITORING_EMULATOR_HOST,
                     " 127.0.0.1:" + emulator.getLocalPort() + " "))) {
            clients.services();
            clients.revisions();
            clients.metrics();
            clients.alertPolicies();
            assertThat(accepted(emulator)).isEqualTo(1);
        }
    }

    /** A gRPC server on loopback that counts the connections a client opened to it (a bare probe is not one). */
    private static Server countingConnections(AtomicInteger connections) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addTransportFilter(new ServerTransportFilter() {
                    @Override
                    public Attributes transportReady(Attributes attributes) {
                        connections.incrementAndGet();
                        return attributes;
                    }
                })
                .addService(new ServicesGrpc.ServicesImplBase() {
                    @Override
                    public void getService(GetServiceRequest request, StreamObserver<Service> response) {
                        response.onNext(Service.newBuilder().setName(request.getName()).build());
                        response.onCompleted();
                    }
                })
                .addService(new RevisionsGrpc.RevisionsImplBase() {
                    @Override
                    public void listRevisions(ListRevisionsRequest request, StreamObserver<ListRevisionsResponse> response) {
                        response.onNext(ListRevisionsResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                })
                .addService(new MetricServiceGrpc.MetricServiceImplBase() {
                    @Override
                    public void listTimeSeries(ListTimeSeriesRequest request,
                            StreamObserver<ListTimeSeriesResponse> response) {
                        response.onNext(ListTimeSeriesResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                })
                .addService(new AlertPolicyServiceGrpc.AlertPolicyServiceImplBase() {
                    @Override
                    public void listAlertPolicies(ListAlertPoliciesRequest request,
                            StreamObserver<ListAlertPoliciesResponse> response) {
                        response.onNext(ListAlertPoliciesResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                })
                .build().start();
    }

    @Test
    void theCloudRunClientsCallOverOneConnection() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        Server server = countingConnections(connections);
        try (GcpClients clients = new GcpClients(Map.of(GcpClients.CLOUD_RUN_EMULATOR_HOST,
                "127.0.0.1:" + server.getPort()))) {
            String service = "projects/p/locations/r/services/s";
            assertThat(clients.services().getService(service).getName()).isEqualTo(service);
            assertThat(clients.revisions().listRevisions(service).iterateAll()).isEmpty();
            assertThat(connections).hasValue(1);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theMonitoringClientsCallOverOneConnection() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        Server server = countingConnections(connections);
        try (GcpClients clients = new GcpClients(Map.of(GcpClients.MONITORING_EMULATOR_HOST,
                "127.0.0.1:" + server.getPort()))) {
            assertThat(clients.metrics().listTimeSeries(ListTimeSeriesRequest.newBuilder().setName("projects/p")
                    .build()).iterateAll()).isEmpty();
            assertThat(clients.alertPolicies().listAlertPolicies("projects/p").iterateAll()).isEmpty();
            assertThat(connections).hasValue(1);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLoopbackEmulatorThatIsNotRunningIsNamedAtOnce() throws Exception {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        try (GcpClients clients = new GcpClients(Map.of(GcpClients.CLOUD_RUN_EMULATOR_HOST, "localhost:" + port))) {
            for (int i = 0; i < 2; i++) {
                // Not remembered as probed: asked again, it is probed again and refused again.
                assertThatThrownBy(clients::revisions)
                        .hasMessageStartingWith("nothing answers at CLOUD_RUN_EMULATOR_HOST=localhost:" + port
                                + " (connection refused)")
                        .satisfies(e -> assertThat(((RunbookException) e).exitCode())
                                .isEqualTo(ExitCode.INVALID_INPUT));
            }
        }
    }
}

package dev.virtuoso.rollback.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.RunbookException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Map;
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

package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.logging.v2.LogEntry;
import com.google.protobuf.util.JsonFormat;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real generated Logging client against the sandbox's ListLogEntries on loopback. */
class CloudLoggingErrorLogsTest {
    private static final ServiceRef REF = new ServiceRef(Sandbox.PROJECT, Sandbox.REGION, Sandbox.SERVICE);
    private Sandbox sandbox;
    private GcpClients clients;
    private CloudLoggingErrorLogs logs;

    @BeforeEach
    void start() {
        sandbox = Sandbox.start(Sandbox.Options.defaults());
        clients = new GcpClients(sandbox.emulatorVariables());
        logs = new CloudLoggingErrorLogs(clients);
    }

    @AfterEach
    void stop() {
        clients.close();
        sandbox.close();
    }

    private void request(int times) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < times; i++) {
            http.send(HttpRequest.newBuilder(URI.create(sandbox.demoUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    @Test
    void theBrokenRevisionsFailedRequestsComeBackNewestFirstAsErrorsWithStatusAndRevision() throws Exception {
        Instant from = Instant.now().minusSeconds(1);
        request(3);
        ErrorLog log = logs.errors(REF, from, Instant.now().plusSeconds(1), 100);

        assertThat(log.entries()).hasSize(3);
        assertThat(log.truncated()).isFalse();
        assertThat(log.entries()).allSatisfy(e -> {
            assertThat(e.severity()).isEqualTo("ERROR");
            assertThat(e.revision()).isEqualTo("virtuoso-api-00003-ghi");
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.message()).contains("503");
        });
        assertThat(log.entries().get(0).time()).isAfterOrEqualTo(log.entries().get(2).time());
    }

    @Test
    void eachEntrysJsonIsOneLineThatParsesBackIntoTheSameLogEntry() throws Exception {
        Instant from = Instant.now().minusSeconds(1);
        request(1);
        ErrorLog.Entry e = logs.errors(REF, from, Instant.now().plusSeconds(1), 100).entries().get(0);

        assertThat(e.json()).doesNotContain("\n").contains("\"httpRequest\"").contains("\"severity\":\"ERROR\"");
        LogEntry.Builder back = LogEntry.newBuilder();
        JsonFormat.parser().merge(e.json(), back);
        assertThat(back.getResource().getLabelsOrThrow("service_name")).isEqualTo(Sandbox.SERVICE);
        assertThat(back.getHttpRequest().getStatus()).isEqualTo(503);
    }

    @Test
    void moreEntriesThanTheLimitAreCutAndSaySo() throws Exception {
        Instant from = Instant.now().minusSeconds(1);
        request(60); // more than the server's default page of 50
        ErrorLog all = logs.errors(REF, from, Instant.now().plusSeconds(1), 1000);
        ErrorLog cut = logs.errors(REF, from, Instant.now().plusSeconds(1), 55);

        assertThat(all.entries()).hasSize(60);
        assertThat(all.truncated()).isFalse();
        assertThat(cut.entries()).hasSize(55);
        assertThat(cut.truncated()).isTrue();
    }

    @Test
    void entriesOutsideTheWindowOrOfAnotherRegionAreLeftOut() throws Exception {
        request(2);
        Instant after = Instant.now().plus(Duration.ofSeconds(1));
        assertThat(logs.errors(REF, after, after.plusSeconds(60), 100).entries()).isEmpty();
        assertThat(logs.errors(new ServiceRef(Sandbox.PROJECT, "europe-west1", Sandbox.SERVICE),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(1), 100).entries()).isEmpty();
    }
}

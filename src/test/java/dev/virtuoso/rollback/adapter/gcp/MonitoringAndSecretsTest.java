package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Monitoring and Secret Manager clients against the sandbox on loopback. */
class MonitoringAndSecretsTest {
    private static final ServiceRef REF = new ServiceRef(Sandbox.PROJECT, Sandbox.REGION, Sandbox.SERVICE);
    private Sandbox sandbox;
    private GcpClients clients;
    private MonitoringMetrics metrics;
    private SandboxControls controls;

    @BeforeEach
    void start() {
        sandbox = Sandbox.start(Sandbox.Options.defaults());
        clients = new GcpClients(sandbox.emulatorVariables());
        metrics = new MonitoringMetrics(clients, Clock.systemUTC());
        controls = new SandboxControls(sandbox);
    }

    @AfterEach
    void stop() {
        clients.close();
        sandbox.close();
    }

    @Test
    void theBrokenRevisionShowsSixtyPercentErrorsAndAnEightSecondP95() {
        MetricSample s = metrics.sample(REF, Optional.empty(), Duration.ofMinutes(5));
        assertThat(s.requests()).isEqualTo(3000);
        assertThat(s.errors()).isEqualTo(1800);
        assertThat(s.p95Ms()).isCloseTo(8228.57, within(1.0));
    }

    @Test
    void perRevisionHistoryHasAMinuteEachWithTheBrokenRevisionsRequestsErrorsAndP95() {
        java.time.Instant to = java.time.Instant.now();
        var series = metrics.perRevision(REF, to.minus(Duration.ofMinutes(10)), to);

        assertThat(series).extracting(dev.virtuoso.rollback.model.RevisionSeries::revision)
                .containsExactly("virtuoso-api-00003-ghi");
        var minutes = series.get(0).minutes();
        assertThat(minutes).hasSizeBetween(9, 10);
        assertThat(minutes).allSatisfy(m -> {
            assertThat(m.requests()).isEqualTo(600);
            assertThat(m.errorPercent()).isCloseTo(60.0, within(0.01));
            assertThat(m.p95Ms()).isCloseTo(8228.57, within(1.0));
        });
        assertThat(minutes.get(0).end()).isBefore(minutes.get(minutes.size() - 1).end());
    }

    @Test
    void theRevisionServingEverythingAloneShowsTheServicesNumbers() {
        MetricSample serving = metrics.sample(REF, Optional.of("virtuoso-api-00003-ghi"), Duration.ofMinutes(5));
        assertThat(serving.requests()).isEqualTo(3000);
        assertThat(serving.errors()).isEqualTo(1800);
        assertThat(serving.p95Ms()).isCloseTo(8228.57, within(1.0));
    }

    @Test
    void perRevisionAndZeroTraffic() {
        MetricSample good = metrics.sample(REF, Optional.of("virtuoso-api-00002-def"), Duration.ofMinutes(5));
        assertThat(good.requests()).isZero();
        assertThat(good.p95Ms()).isNull();
        controls.setRequestsPerMinute(0);
        MetricSample none = metrics.sample(REF, Optional.empty(), Duration.ofMinutes(5));
        assertThat(none.requests()).isZero();
        assertThat(none.p95Ms()).isNull();
    }

    @Test
    void secretIsTheNewestEnabledVersionNotLatest() {
        SecretManagerStore store = new SecretManagerStore(clients);
        assertThat(store.newestEnabled(Sandbox.PROJECT, Sandbox.API_KEY_SECRET).reveal()).isEqualTo(Sandbox.API_KEY);
        assertThatThrownBy(() -> clients.secrets().accessSecretVersion(
                "projects/" + Sandbox.PROJECT + "/secrets/" + Sandbox.API_KEY_SECRET + "/versions/latest"))
                .hasMessageContaining("DISABLED");
        assertThatThrownBy(() -> store.newestEnabled(Sandbox.PROJECT, "nope"))
                .hasMessageContaining("not found").hasMessageNotContaining(Sandbox.API_KEY);
    }

    @Test
    void aDisabledSecretVersionIsUnusableInputNotAConflict() {
        String latest = "projects/" + Sandbox.PROJECT + "/secrets/" + Sandbox.API_KEY_SECRET + "/versions/latest";
        RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> clients.secrets().accessSecretVersion(latest));
        // Secret Manager answers FAILED_PRECONDITION for a disabled version: nothing changed under us.
        dev.virtuoso.rollback.model.RunbookException e = GcpErrors.translate("Secret Manager", "secret " + latest,
                refused);
        assertThat(e.exitCode()).isEqualTo(dev.virtuoso.rollback.model.ExitCode.INVALID_INPUT);
        assertThat(e.getMessage()).startsWith("Secret Manager: precondition failed on secret " + latest)
                .contains("DISABLED");
    }
}

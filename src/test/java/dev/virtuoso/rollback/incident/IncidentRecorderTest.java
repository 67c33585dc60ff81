package dev.virtuoso.rollback.incident;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.IncidentCapture;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.MetricChart;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.port.IncidentRecords;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The recorder with ports of its own: how long a step's end may wait for it, and what it says then. */
class IncidentRecorderTest {
    private static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");
    private static final ServiceRef REF = new ServiceRef("p", "us-central1", "api");
    private final Map<String, String> written = new ConcurrentHashMap<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private final IncidentRecords files = new IncidentRecords() {
        @Override
        public void checkWritable() {
        }

        @Override
        public String where(String id) {
            return "incidents/" + id + "/";
        }

        @Override
        public void write(String id, String name, String text) {
            written.put(name, text);
        }

        @Override
        public void writeCharts(String id, MetricChart chart) {
            written.put("metrics.png", "drawn");
        }

        @Override
        public Optional<Stored> read(String id) {
            return Optional.empty();
        }
    };

    private IncidentRecorder recorder(IncidentRecorder.Sources sources, Duration budget) {
        return new IncidentRecorder(files, sources, new Runbook.Triggers(null, null, null, null, null),
                Runbook.DecisionRow.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1), budget,
                () -> Optional.of(REF), warnings::add);
    }

    private static JournalRecord planned() {
        return new JournalRecord("20261207T030000Z-ab12", NOW, "tester", "quick --previous", REF.path(), "traffic", null,
                null, JournalRecord.State.planned, "route 100% to api-00002", false, null, "api-00003", "api-00002",
                null, null, "5xx");
    }

    @Test
    @Timeout(10) // a finish that waited for the source would hang here rather than fail
    void aSourceThatHangsCostsTheStepsEndNoMoreThanTheBudgetAndIsAWarning() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        IncidentRecorder.Sources hanging = new IncidentRecorder.Sources((s, r, w) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new MetricSample(NOW, NOW, 0, 0, null);
        }, (s, from, to) -> List.of(), (s, from, to, limit) -> new ErrorLog(from, to, List.of(), limit, false));
        try {
            IncidentCapture.Recording recording = recorder(hanging, Duration.ofMillis(300)).start(planned(),
                    Change.About.of("traffic", "quick --previous", REF.path(), REF.toString(), "route 100% to api-00002"));
            long started = System.nanoTime();
            recording.finish();
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(tookMs).isLessThan(2_000);
            assertThat(warnings).singleElement().asString().startsWith("incident record incomplete: still gathering "
                    + "after 0s").endsWith("(incidents/20261207T030000Z-ab12/)");
        } finally {
            never.countDown();
        }
    }

    @Test
    void aSourceThatFailsIsNamedInTheWarningAndTheRestIsStillWritten() {
        IncidentRecorder.Sources failingLogs = new IncidentRecorder.Sources(
                (s, r, w) -> new MetricSample(NOW.minus(w), NOW, 3000, 1800, 8228.0), (s, from, to) -> List.of(),
                (s, from, to, limit) -> {
                    throw new IllegalStateException("PERMISSION_DENIED: logging.logEntries.list");
                });
        IncidentCapture.Recording recording = recorder(failingLogs, Duration.ofSeconds(5)).start(planned(),
                Change.About.of("traffic", "quick --previous", REF.path(), REF.toString(), "route 100% to api-00002"));
        recording.finish();

        assertThat(warnings).containsExactly("incident record incomplete: errors.jsonl: PERMISSION_DENIED: "
                + "logging.logEntries.list (incidents/20261207T030000Z-ab12/)");
        assertThat(written).containsKeys("incident.md", "metrics.png").doesNotContainKey("errors.jsonl");
        assertThat(written.get("incident.md")).contains("**Reason:** 5xx", "**critical — immediate rollback — within 5m**");
    }

    @Test
    void theRecordKeepsIncidentJsonBesideIncidentMdWithTheStepsLastState() throws Exception {
        IncidentRecorder.Sources sources = new IncidentRecorder.Sources(
                (s, r, w) -> new MetricSample(NOW.minus(w), NOW, 3000, 1800, 8228.0), (s, from, to) -> List.of(),
                (s, from, to, limit) -> new ErrorLog(from, to, List.of(), limit, false));
        IncidentCapture.Recording recording = recorder(sources, Duration.ofSeconds(5)).start(planned(),
                Change.About.of("traffic", "quick --previous", REF.path(), REF.toString(), "route 100% to api-00002"));
        recording.finish();

        assertThat(warnings).isEmpty();
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(written.get("incident.json"));
        assertThat(doc.get("id").asText()).isEqualTo("20261207T030000Z-ab12");
        assertThat(doc.get("state").asText()).isEqualTo("planned");
        assertThat(doc.get("ended").asBoolean()).isTrue();
        assertThat(doc.get("decision").get("row").asText()).isEqualTo("critical — immediate rollback — within 5m");
        assertThat(doc.get("files").get("errorsJsonl").get("entries").asInt()).isZero();
    }
}

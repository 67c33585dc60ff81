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
import dev.virtuoso.rollback.port.Notifier;
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
    private final List<String> said = new CopyOnWriteArrayList<>();

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
                Runbook.DecisionRow.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1), new IncidentRecorder.Deadline(budget),
                () -> Optional.of(REF),
                (where, id) -> said.add("incident record: " + where + " (`rollback incident show " + id + "`)"),
                warnings::add, true);
    }

    private static Change.About about() {
        return Change.About.of("traffic", "quick --previous", REF.path(), REF.toString(), "route 100% to api-00002");
    }

    /** Metrics that answer only once {@code open} is counted down (or the reading thread is interrupted). */
    private static IncidentRecorder.Sources blockedUntil(CountDownLatch open) {
        return new IncidentRecorder.Sources((s, r, w) -> {
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new MetricSample(NOW, NOW, 0, 0, null);
        }, (s, from, to) -> List.of(), (s, from, to, limit) -> new ErrorLog(from, to, List.of(), limit, false));
    }

    private static JournalRecord planned() {
        return new JournalRecord("20261207T030000Z-ab12", NOW, "tester", "quick --previous", REF.path(), "traffic", null,
                null, JournalRecord.State.planned, "route 100% to api-00002", false, null, "api-00003", "api-00002",
                null, null, "5xx");
    }

    @Test
    @Timeout(10) // a start or an end that waited for the source would hang here rather than fail
    void theStepStartsAndEndsWithoutWaitingForASourceThatHasNotAnswered() {
        CountDownLatch open = new CountDownLatch(1);
        try (IncidentRecorder recorder = recorder(blockedUntil(open), Duration.ofHours(1))) {
            IncidentCapture.Recording recording = recorder.start(planned(), about(), Notifier.Incident.NONE);
            recording.ended();

            assertThat(recording.where()).isEqualTo("incidents/20261207T030000Z-ab12/");
            assertThat(written).doesNotContainKey("incident.md"); // the first pass is still waiting for the metrics
            open.countDown();
        }
        assertThat(said).containsExactly("incident record: incidents/20261207T030000Z-ab12/ (`rollback incident show "
                + "20261207T030000Z-ab12`)");
        assertThat(warnings).isEmpty();
        assertThat(written).containsKeys("incident.md", "metrics.png", "errors.jsonl");
    }

    @Test
    @Timeout(10)
    void atTheEndASourceThatNeverAnswersIsNotWaitedForBeyondTheBudgetAndTheRecordSaysWhatItHas() {
        CountDownLatch never = new CountDownLatch(1);
        IncidentRecorder recorder = recorder(blockedUntil(never), Duration.ZERO);
        recorder.start(planned(), about(), Notifier.Incident.NONE).ended();
        recorder.close();

        assertThat(warnings).singleElement().asString().startsWith("incident record incomplete: still gathering "
                + "after 0s").endsWith("(incidents/20261207T030000Z-ab12/)");
        assertThat(written.get("incident.md")).contains("**Reason:** 5xx", "Not recorded:", "still gathering");
    }

    @Test
    @Timeout(10) // waiting the hour's budget for the refresh would hang here
    void aStepThatWasInterruptedIsNotWaitedForAtTheEnd() {
        CountDownLatch never = new CountDownLatch(1);
        IncidentRecorder recorder = recorder(blockedUntil(never), Duration.ofHours(1));
        List<JournalRecord> journaled = new CopyOnWriteArrayList<>();
        dev.virtuoso.rollback.port.Journal journal = recorder.observing(new dev.virtuoso.rollback.port.Journal() {
            @Override
            public void append(JournalRecord record) {
                journaled.add(record);
            }

            @Override
            public void checkWritable() {
            }

            @Override
            public List<JournalRecord> history() {
                return journaled;
            }
        });
        JournalRecord planned = planned();
        IncidentCapture.Recording recording = recorder.start(planned, about(), Notifier.Incident.NONE);
        journal.append(planned.next(NOW, JournalRecord.State.interrupted, null, "interrupted (Ctrl-C)"));
        recording.ended();
        recorder.close();

        assertThat(warnings).singleElement().asString().contains("not refreshed after the change: the run was "
                + "interrupted");
        assertThat(written.get("incident.md")).contains("interrupted (Ctrl-C)");
    }

    @Test
    void anErrorWhileDrawingIsAWarningNotAFailure() {
        IncidentRecords fontless = new IncidentRecords() {
            @Override
            public void checkWritable() {
            }

            @Override
            public String where(String id) {
                return files.where(id);
            }

            @Override
            public void write(String id, String name, String text) {
                files.write(id, name, text);
            }

            @Override
            public void writeCharts(String id, MetricChart chart) {
                throw new InternalError("Fontconfig head is null, check your fonts or fonts configuration");
            }

            @Override
            public Optional<Stored> read(String id) {
                return Optional.empty();
            }
        };
        IncidentRecorder.Sources fine = new IncidentRecorder.Sources(
                (s, r, w) -> new MetricSample(NOW.minus(w), NOW, 3000, 1800, 8228.0), (s, from, to) -> List.of(),
                (s, from, to, limit) -> new ErrorLog(from, to, List.of(), limit, false));
        try (IncidentRecorder recorder = new IncidentRecorder(fontless, fine, new Runbook.Triggers(null, null, null,
                null, null), Runbook.DecisionRow.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1),
                new IncidentRecorder.Deadline(Duration.ofSeconds(5)), () -> Optional.of(REF),
                (where, id) -> said.add("incident record: " + where + " (`rollback incident show " + id + "`)"),
                warnings::add, true)) {
            recorder.start(planned(), about(), Notifier.Incident.NONE).ended();
        }

        assertThat(warnings).containsExactly("incident record incomplete: metrics.png and metrics.svg: Fontconfig "
                + "head is null, check your fonts or fonts configuration (incidents/20261207T030000Z-ab12/)");
        assertThat(written).containsKeys("incident.md", "errors.jsonl");
        // What could not be drawn is not claimed: the record says so and leaves the screenshot unticked.
        assertThat(written.get("incident.md")).contains("- metrics.svg and metrics.png: not drawn (see below)").doesNotContain("](metrics.png)")
                .contains("- [ ] Take screenshot of error metrics");
        assertThat(written.get("incident.json")).containsPattern("\"metricsPng\" *: *null");
    }

    @Test
    void aSourceThatFailsIsNamedInTheWarningAndTheRestIsStillWritten() {
        IncidentRecorder.Sources failingLogs = new IncidentRecorder.Sources(
                (s, r, w) -> new MetricSample(NOW.minus(w), NOW, 3000, 1800, 8228.0), (s, from, to) -> List.of(),
                (s, from, to, limit) -> {
                    throw new IllegalStateException("PERMISSION_DENIED: logging.logEntries.list");
                });
        try (IncidentRecorder recorder = recorder(failingLogs, Duration.ofSeconds(5))) {
            recorder.start(planned(), about(), Notifier.Incident.NONE).ended();
        }

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
        try (IncidentRecorder recorder = recorder(sources, Duration.ofSeconds(5))) {
            recorder.start(planned(), about(), Notifier.Incident.NONE).ended();
        }

        assertThat(warnings).isEmpty();
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(written.get("incident.json"));
        assertThat(doc.get("id").asText()).isEqualTo("20261207T030000Z-ab12");
        assertThat(doc.get("state").asText()).isEqualTo("planned");
        assertThat(doc.get("ended").asBoolean()).isTrue();
        assertThat(doc.get("decision").get("row").asText()).isEqualTo("critical — immediate rollback — within 5m");
        assertThat(doc.get("files").get("errorsJsonl").get("entries").asInt()).isZero();
    }
}

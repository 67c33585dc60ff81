package dev.virtuoso.rollback.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.RevisionSeries;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.verification.Assessment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** incident.md and incident.json from facts built by hand: what they tick, and what they claim about the change. */
class IncidentMarkdownTest {
    private static final Instant DECIDED = Instant.parse("2026-12-07T03:00:00Z");
    private static final Instant APPLIED = DECIDED.plusSeconds(40);
    private static final ServiceRef REF = new ServiceRef("p", "us-central1", "api");
    private static final Runbook.Triggers TRIGGERS = new Runbook.Triggers(null, null, null, null, null);
    private static final String ID = "20261207T030000Z-ab12";

    private static JournalRecord planned(String origin, String reason) {
        return new JournalRecord(ID, DECIDED, "tester", "quick --previous", REF.path(), "traffic", null, null,
                JournalRecord.State.planned, "route 100% to api-00002", false, null, "api-00003", "api-00002", origin,
                null, reason);
    }

    /** 60% 5xx over the window ending at {@code at}: the critical row, within 5 minutes. */
    private static Assessment broken(Instant at) {
        return Assessment.of(new MetricSample(at.minus(Duration.ofMinutes(5)), at, 3000, 1800, 300.0), TRIGGERS,
                Runbook.DecisionRow.DEFAULTS);
    }

    private static Assessment healthy(Instant at) {
        return Assessment.of(new MetricSample(at.minus(Duration.ofMinutes(5)), at, 3000, 3, 300.0), TRIGGERS,
                Runbook.DecisionRow.DEFAULTS);
    }

    private static IncidentMarkdown.Facts facts(List<JournalRecord> states, Assessment after, Instant afterAt,
                                                List<RevisionSeries> series) {
        return new IncidentMarkdown.Facts(states.get(0), Change.About.of("traffic", "quick --previous", REF.path(),
                REF.toString(), "route 100% to api-00002"), REF, DECIDED.minus(Duration.ofHours(1)), states,
                broken(DECIDED), after, TRIGGERS, new ErrorLog(DECIDED.minus(Duration.ofHours(1)), DECIDED, List.of(),
                1000, false), series, true, List.of(), afterAt, series != null, true, true);
    }

    private static List<JournalRecord> appliedAndVerified() {
        JournalRecord p = planned(null, "5xx");
        JournalRecord a = p.next(APPLIED, JournalRecord.State.applied, null, p.detail());
        return List.of(p, a, a.next(APPLIED.plusSeconds(5), JournalRecord.State.verified, null,
                "verification: 5/5 checks passed"));
    }

    /** Ten minutes up to the change for one revision: each minute's requests, 5xx and P95 as given. */
    private static List<RevisionSeries> minutes(long errorsPerMinute, double p95Ms) {
        List<RevisionSeries.Minute> m = new ArrayList<>();
        for (int i = 9; i >= 0; i--) {
            boolean broken = i < 4;
            m.add(new RevisionSeries.Minute(DECIDED.minus(Duration.ofMinutes(i)), 100, broken ? errorsPerMinute : 0,
                    broken ? p95Ms : 200.0));
        }
        return List.of(new RevisionSeries("api-00003", m));
    }

    @Test
    void aReadSecondsAfterTheChangeLeavesMonitoringUntickedAndSaysTheMetricsMayNotShowTheRecoveryYet() {
        String md = IncidentMarkdown.render(facts(appliedAndVerified(), healthy(APPLIED.plusSeconds(20)),
                APPLIED.plusSeconds(20), null));

        assertThat(md).contains("- [ ] Monitor error rates for 30 minutes (`rollback watch --for 30m` keeps watching "
                + "them)").doesNotContain("[x] Monitor error rates");
        assertThat(md).contains("- note: read 20 s after the change; " + Assessment.LAG_NOTE + ", so this may still "
                + "show the broken revision's traffic — `rollback assess` in a few minutes confirms");
    }

    @Test
    void aReadThirtyMinutesAfterTheChangeTicksMonitoringAndNeedsNoLagWarning() {
        Instant later = APPLIED.plus(Duration.ofMinutes(31));
        String md = IncidentMarkdown.render(facts(appliedAndVerified(), healthy(later), later, null));

        assertThat(md).contains("- [x] Monitor error rates for 30 minutes — the metrics after the change were read "
                + "31 min after it").contains("- note: " + Assessment.LAG_NOTE + "\n").doesNotContain("s after the change;");
    }

    @Test
    void withoutAnAfterTimeTheEndOfTheAfterSampleIsWhenItWasRead() {
        String md = IncidentMarkdown.render(facts(appliedAndVerified(), healthy(APPLIED.plusSeconds(7)), null, null));

        assertThat(md).contains("- note: read 7 s after the change;");
    }

    @Test
    void aStepThatFailedBeforeTakingEffectSaysFailedAndNotAppliedRatherThanDeadlineMet() {
        JournalRecord p = planned(null, "5xx");
        List<JournalRecord> states = List.of(p, p.next(APPLIED, JournalRecord.State.failed, null,
                "not sent: PERMISSION_DENIED"));
        IncidentMarkdown.Facts f = facts(states, null, null, null);

        String deadline = IncidentMarkdown.deadline(f, IncidentMarkdown.timeline(f));

        assertThat(deadline).isEqualTo("**critical — immediate rollback — within 5m** (error rate 60.0% > trigger "
                + "20.0%): failed 40s after it was decided; not applied.");
        assertThat(IncidentMarkdown.render(f)).doesNotContain("deadline **met**").doesNotContain("applied 40s")
                .contains("- [ ] Monitor error rates for 30 minutes");
    }

    @Test
    void anAppliedStepStillMeetsOrMissesItsDeadline() {
        IncidentMarkdown.Facts f = facts(appliedAndVerified(), null, null, null);

        assertThat(IncidentMarkdown.deadline(f, IncidentMarkdown.timeline(f)))
                .endsWith(": applied 40s after it was decided — deadline **met**.");
    }

    @Test
    void aRunOfMinutesWithOnlyTheP95OverItsTriggerIsDetected() {
        IncidentMarkdown.Facts f = facts(appliedAndVerified(), null, null, minutes(0, 9000.0));

        assertThat(IncidentMarkdown.detected(f)).hasValueSatisfying(e -> {
            assertThat(e.time()).isEqualTo(DECIDED.minus(Duration.ofMinutes(4)));
            assertThat(e.detail()).isEqualTo("P95 over the 5s trigger from this minute on");
        });
    }

    @Test
    void anAutomatedStepNamesBothTriggersThatHeldAndWhatActedOnThem() {
        JournalRecord p = planned("watch --auto", "error rate 60.0% > trigger 20.0% for 5m");
        IncidentMarkdown.Facts f = facts(List.of(p), null, null, minutes(60, 9000.0));

        assertThat(IncidentMarkdown.detected(f)).hasValueSatisfying(e -> assertThat(e.detail()).isEqualTo(
                "error rate over the 20.0% trigger and P95 over the 5s trigger from this minute on; acted on by "
                        + "watch --auto (error rate 60.0% > trigger 20.0% for 5m)"));
    }

    @Test
    void incidentJsonCarriesTheSameFactsAsTheMarkdown() throws Exception {
        var files = IncidentMarkdown.files(facts(appliedAndVerified(), healthy(APPLIED.plusSeconds(20)),
                APPLIED.plusSeconds(20), minutes(60, 300.0)));

        assertThat(files).containsOnlyKeys("incident.md", "incident.json");
        JsonNode doc = new ObjectMapper().readTree(files.get("incident.json"));
        assertThat(doc.get("id").asText()).isEqualTo(ID);
        assertThat(doc.get("command").asText()).isEqualTo("quick --previous");
        assertThat(doc.get("where").asText()).isEqualTo(REF.toString());
        assertThat(doc.get("reason").asText()).isEqualTo("5xx");
        assertThat(doc.get("user").asText()).isEqualTo("tester");
        assertThat(doc.get("origin").isNull()).isTrue();
        assertThat(doc.get("state").asText()).isEqualTo("verified");
        assertThat(doc.get("ended").asBoolean()).isTrue();
        assertThat(doc.get("timeline").findValuesAsText("event")).containsExactly("detected", "decided", "applied",
                "verified");
        assertThat(doc.get("timeline").get(0).get("time").asText()).isEqualTo("2026-12-07T02:56:00Z");
        JsonNode d = doc.get("decision");
        assertThat(d.get("row").asText()).isEqualTo("critical — immediate rollback — within 5m");
        assertThat(d.get("withinMs").asLong()).isEqualTo(300_000);
        assertThat(d.get("measuredFrom").asText()).isEqualTo("detected");
        assertThat(d.get("applied").asText()).isEqualTo("2026-12-07T03:00:40Z");
        assertThat(d.get("failed").isNull()).isTrue();
        assertThat(d.get("tookMs").asLong()).isEqualTo(280_000);
        assertThat(d.get("deadline").asText()).isEqualTo("met");
        assertThat(doc.get("checksBefore").findValuesAsText("verdict")).containsExactly("fail", "pass");
        assertThat(doc.get("checksAfter").findValuesAsText("name")).containsExactly("health and functional checks",
                "error rate", "p95 latency");
        assertThat(doc.get("checksAfter").get(0).get("detail").asText()).isEqualTo("5/5 checks passed");
        assertThat(doc.get("checksAfterNote").asText()).startsWith("read 20 s after the change;");
        assertThat(doc.get("files").toString()).isEqualTo("{\"metricsPng\":\"metrics.png\",\"metricsSvg\":"
                + "\"metrics.svg\",\"errorsJsonl\":{\"name\":\"errors.jsonl\",\"entries\":0,\"truncated\":false}}");
        assertThat(doc.get("checklist").findValuesAsText("what")).contains("Monitor error rates for 30 minutes");
        assertThat(doc.get("checklist").get(3).get("done").asBoolean()).isFalse();
        assertThat(doc.get("problems").size()).isZero();
    }
}

package dev.virtuoso.rollback.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.api.MetricDescriptor.MetricKind;
import com.google.api.MetricDescriptor.ValueType;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.monitoring.v3.MetricServiceClient;
import com.google.cloud.monitoring.v3.MetricServiceSettings;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.Aggregation.Aligner;
import com.google.monitoring.v3.Aggregation.Reducer;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.Point;
import com.google.monitoring.v3.TimeInterval;
import com.google.monitoring.v3.TimeSeries;
import com.google.protobuf.util.Durations;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ListTimeSeries through the real MetricServiceClient: filters, alignment, reduction and lag as
 * Cloud Monitoring applies them, and wrong queries giving wrong answers or INVALID_ARGUMENT.
 * The sandbox starts at {@link #T0} with virtuoso-api-00003-ghi (broken) serving 100% at 600
 * requests a minute: 360 5xx and 240 2xx a minute.
 */
class MonitoringQueryTest {
    static final Instant T0 = Instant.parse("2024-07-25T12:00:00Z");
    static final String SVC = Sandbox.servicePath(Sandbox.SERVICE);
    static final String BROKEN = "virtuoso-api-00003-ghi";
    static final String GOOD = "virtuoso-api-00002-def";
    static final String RESOURCE = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = \""
            + Sandbox.SERVICE + "\"";
    static final String COUNT = "metric.type = \"run.googleapis.com/request_count\" AND " + RESOURCE;
    static final String LATENCIES = "metric.type = \"run.googleapis.com/request_latencies\" AND " + RESOURCE;

    private final TestClock clock = new TestClock(T0);
    private Sandbox sandbox;
    private MetricServiceClient client;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(Sandbox.Options.defaults(), clock);
        client = connect(sandbox);
        // Half a minute past: periods that end at the query's end are not minute-aligned.
        clock.advance(Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        client.close();
        sandbox.close();
    }

    static MetricServiceClient connect(Sandbox sandbox) throws Exception {
        return MetricServiceClient.create(MetricServiceSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setTransportChannelProvider(MetricServiceSettings.defaultGrpcTransportProviderBuilder()
                        .setEndpoint(sandbox.cloudRunHost()).setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
                        .build())
                .build());
    }

    static Aggregation agg(Aligner aligner, long periodSeconds, Reducer reducer, String... groupBy) {
        return Aggregation.newBuilder().setAlignmentPeriod(Durations.fromSeconds(periodSeconds))
                .setPerSeriesAligner(aligner).setCrossSeriesReducer(reducer).addAllGroupByFields(List.of(groupBy))
                .build();
    }

    private List<TimeSeries> list(String filter, Aggregation aggregation) {
        return list(client, filter, aggregation, clock.instant());
    }

    static List<TimeSeries> list(MetricServiceClient client, String filter, Aggregation aggregation, Instant end) {
        ListTimeSeriesRequest.Builder req = ListTimeSeriesRequest.newBuilder()
                .setName("projects/" + Sandbox.PROJECT).setFilter(filter)
                .setInterval(TimeInterval.newBuilder().setStartTime(Grpc.timestamp(end.minus(Duration.ofMinutes(5))))
                        .setEndTime(Grpc.timestamp(end)))
                .setView(ListTimeSeriesRequest.TimeSeriesView.FULL);
        if (aggregation != null) {
            req.setAggregation(aggregation);
        }
        return com.google.common.collect.Lists.newArrayList(client.listTimeSeries(req.build()).iterateAll());
    }

    /** Labels of a series, metric and resource together, as "k=v" keys → sum of its INT64 points. */
    static Map<String, Long> sums(List<TimeSeries> series) {
        return series.stream().collect(Collectors.toMap(MonitoringQueryTest::labels,
                ts -> ts.getPointsList().stream().mapToLong(p -> p.getValue().getInt64Value()).sum(), Long::sum,
                TreeMap::new));
    }

    static String labels(TimeSeries ts) {
        Map<String, String> all = new TreeMap<>(ts.getMetric().getLabelsMap());
        all.putAll(ts.getResource().getLabelsMap());
        return all.toString();
    }

    private static Instant end(Point p) {
        return Grpc.instant(p.getInterval().getEndTime());
    }

    private static Instant start(Point p) {
        return Grpc.instant(p.getInterval().getStartTime());
    }

    private void split(int goodPercent, int brokenPercent) {
        sandbox.cloudRun().changeService(SVC, s -> s.toBuilder().clearTraffic()
                .addTraffic(TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision(GOOD).setPercent(goodPercent))
                .addTraffic(TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision(BROKEN).setPercent(brokenPercent))
                .build());
    }

    @Test
    void rawSeriesAreOnePerRevisionAndClassWithAPointPerMinuteNewestFirst() {
        List<TimeSeries> raw = list(COUNT, null);
        assertThat(raw).hasSize(2).allSatisfy(ts -> {
            assertThat(ts.getMetricKind()).isEqualTo(MetricKind.DELTA);
            assertThat(ts.getValueType()).isEqualTo(ValueType.INT64);
            assertThat(ts.getResource().getType()).isEqualTo("cloud_run_revision");
            assertThat(ts.getResource().getLabelsMap()).containsEntry("revision_name", BROKEN)
                    .containsEntry("service_name", Sandbox.SERVICE).containsEntry("location", Sandbox.REGION)
                    .containsEntry("project_id", Sandbox.PROJECT);
            // (11:55:30, 12:00:30] holds the minutes ending 11:56 ... 12:00, newest first.
            assertThat(ts.getPointsList()).extracting(MonitoringQueryTest::end).containsExactly(
                    T0, T0.minusSeconds(60), T0.minusSeconds(120), T0.minusSeconds(180), T0.minusSeconds(240));
            assertThat(ts.getPointsList()).allSatisfy(p -> assertThat(start(p)).isEqualTo(end(p).minusSeconds(60)));
        });
        assertThat(raw).extracting(ts -> ts.getMetric().getLabelsOrThrow("response_code_class") + " "
                + ts.getPoints(0).getValue().getInt64Value()).containsExactlyInAnyOrder("5xx 360", "2xx 240");
    }

    @Test
    void alignDeltaSumsEachSeriesIntoPeriodsThatEndAtTheIntervalEnd() {
        List<TimeSeries> aligned = list(COUNT + " AND metric.labels.response_code_class = \"5xx\"",
                agg(Aligner.ALIGN_DELTA, 120, Reducer.REDUCE_NONE));
        assertThat(aligned).hasSize(1);
        TimeSeries ts = aligned.get(0);
        // Periods (12:00:30-2m, 12:00:30], (11:56:30, 11:58:30], (11:54:30, 11:56:30]: 2, 2 and 1 minutes.
        Instant end = T0.plusSeconds(30);
        assertThat(ts.getPointsList()).extracting(MonitoringQueryTest::end)
                .containsExactly(end, end.minusSeconds(120), end.minusSeconds(240));
        assertThat(ts.getPointsList()).extracting(p -> p.getValue().getInt64Value()).containsExactly(720L, 720L, 360L);
        assertThat(start(ts.getPoints(0))).isEqualTo(end.minusSeconds(120));
        // Without a reducer every series keeps all its labels.
        assertThat(ts.getResource().getLabelsMap()).containsEntry("revision_name", BROKEN);
        assertThat(ts.getMetric().getLabelsMap()).containsEntry("response_code_class", "5xx");
    }

    @Test
    void alignRateIsRequestsPerSecondOfEachPeriod() {
        List<TimeSeries> rate = list(COUNT, agg(Aligner.ALIGN_RATE, 60, Reducer.REDUCE_SUM));
        assertThat(rate).hasSize(1);
        assertThat(rate.get(0).getMetricKind()).isEqualTo(MetricKind.GAUGE);
        assertThat(rate.get(0).getValueType()).isEqualTo(ValueType.DOUBLE);
        // 600 requests a minute are 10 a second, in each of the five one-minute periods.
        assertThat(rate.get(0).getPointsList()).hasSize(5)
                .allSatisfy(p -> assertThat(p.getValue().getDoubleValue()).isCloseTo(10.0, within(1e-9)));
    }

    @Test
    void reduceSumWithoutGroupByLosesTheClassLabelSoNoSeriesIsCountedAs5xx() {
        List<TimeSeries> merged = list(COUNT, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM));
        assertThat(sums(merged)).containsExactly(Map.entry("{}", 3000L));
        // What the product does with the answer: sum the series labelled 5xx. Here there is none.
        assertThat(merged).noneMatch(ts -> ts.getMetric().getLabelsMap().containsKey("response_code_class"));

        List<TimeSeries> byClass = list(COUNT, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM,
                "metric.labels.response_code_class"));
        assertThat(sums(byClass)).containsExactly(Map.entry("{response_code_class=2xx}", 1200L),
                Map.entry("{response_code_class=5xx}", 1800L));
        assertThat(byClass).allSatisfy(ts -> assertThat(ts.getResource().getType()).isEqualTo("cloud_run_revision"));
    }

    @Test
    void groupByAndFilterTakeBothLabelAndLabelsSpellings() {
        Function<String, Map<String, Long>> byRevision = field -> sums(list(COUNT,
                agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM, field, "metric.label.response_code_class")));
        Map<String, Long> expected = Map.of("{response_code_class=2xx, revision_name=" + BROKEN + "}", 1200L,
                "{response_code_class=5xx, revision_name=" + BROKEN + "}", 1800L);
        assertThat(byRevision.apply("resource.labels.revision_name")).isEqualTo(expected);
        assertThat(byRevision.apply("resource.label.revision_name")).isEqualTo(expected);
        String singular = "metric.type = \"run.googleapis.com/request_count\" AND resource.type = \"cloud_run_revision\""
                + " AND resource.label.service_name = \"" + Sandbox.SERVICE + "\" AND resource.label.revision_name = \""
                + BROKEN + "\"";
        assertThat(sums(list(singular, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM))))
                .containsExactly(Map.entry("{}", 3000L));
    }

    @Test
    void withoutAServiceFilterEveryServiceOfTheProjectAnswers() {
        String all = "metric.type = \"run.googleapis.com/request_count\"";
        assertThat(sums(list(all, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM, "resource.label.service_name"))))
                .containsExactly(Map.entry("{service_name=other-service}", 3000L),
                        Map.entry("{service_name=virtuoso-api}", 3000L));
    }

    @Test
    void aTenPercentCanaryIsSeenPerRevisionByFilterOrByGroupBy() {
        clock.advance(Duration.ofSeconds(-30));
        split(90, 10);
        clock.advance(Duration.ofMinutes(5).plusSeconds(30));
        // Each minute: 540 to 00002 (5 of them 5xx: 1% rounded), 60 to 00003 (36 5xx).
        assertThat(sums(list(COUNT, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM, "resource.labels.revision_name",
                "metric.labels.response_code_class")))).containsExactly(
                Map.entry("{response_code_class=2xx, revision_name=" + GOOD + "}", 2675L),
                Map.entry("{response_code_class=2xx, revision_name=" + BROKEN + "}", 120L),
                Map.entry("{response_code_class=5xx, revision_name=" + GOOD + "}", 25L),
                Map.entry("{response_code_class=5xx, revision_name=" + BROKEN + "}", 180L));
        String canary = COUNT + " AND resource.labels.revision_name = \"" + BROKEN + "\"";
        assertThat(sums(list(canary, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM,
                "metric.labels.response_code_class")))).containsExactly(
                Map.entry("{response_code_class=2xx}", 120L), Map.entry("{response_code_class=5xx}", 180L));
    }

    @Test
    void percentilesMergeBucketsPerGroupAndAveragingPerRevisionPercentilesIsAWrongAnswer() {
        clock.advance(Duration.ofSeconds(-30));
        split(90, 10);
        clock.advance(Duration.ofMinutes(5).plusSeconds(30));
        Function<List<TimeSeries>, Map<String, Double>> p95 = series -> series.stream().collect(Collectors.toMap(
                MonitoringQueryTest::labels, ts -> ts.getPoints(0).getValue().getDoubleValue(), (a, b) -> a,
                TreeMap::new));
        // 00002 over 5 min: buckets 1080, 1350, 245, 25 → rank 2565 in [200, 400): 200 + 135/245 * 200.
        // 00003: 0, 90, 30, 0, 0, 0, 160, 20 → rank 285 in [6400, 12800): 6400 + 5/20 * 6400.
        Map<String, Double> perRevision = p95.apply(list(LATENCIES, agg(Aligner.ALIGN_DELTA, 300,
                Reducer.REDUCE_PERCENTILE_95, "resource.labels.revision_name")));
        assertThat(perRevision).hasSize(2);
        assertThat(perRevision.get("{revision_name=" + GOOD + "}")).isCloseTo(310.20, within(0.01));
        assertThat(perRevision.get("{revision_name=" + BROKEN + "}")).isCloseTo(8000.0, within(0.01));
        // The service: merged 1080, 1440, 275, 25, 0, 0, 160, 20 → rank 2850 in [3200, 6400): 3200 + 30/160 * 3200.
        List<TimeSeries> service = list(LATENCIES, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_PERCENTILE_95));
        assertThat(service).hasSize(1);
        assertThat(service.get(0).getValueType()).isEqualTo(ValueType.DOUBLE);
        assertThat(service.get(0).getPoints(0).getValue().getDoubleValue()).isCloseTo(3800.0, within(0.01));
        // Per-series ALIGN_PERCENTILE_95 then REDUCE_MEAN: (310.20 + 8000) / 2, a percentile of percentiles.
        List<TimeSeries> biased = list(LATENCIES, agg(Aligner.ALIGN_PERCENTILE_95, 300, Reducer.REDUCE_MEAN));
        assertThat(biased.get(0).getPoints(0).getValue().getDoubleValue()).isCloseTo(4155.10, within(0.01));
    }

    @Test
    void wrongOrUnsupportedQueriesAreInvalidArgumentNamingTheProblem() {
        record Case(String filter, Aggregation aggregation, String message) {
        }
        List<Case> cases = List.of(
                new Case(COUNT, agg(Aligner.ALIGN_NONE, 300, Reducer.REDUCE_SUM), "ALIGN_NONE"),
                new Case(COUNT, Aggregation.newBuilder().setCrossSeriesReducer(Reducer.REDUCE_SUM).build(), "ALIGN_NONE"),
                new Case(COUNT, agg(Aligner.ALIGN_DELTA, 30, Reducer.REDUCE_SUM), "at least 60 seconds"),
                new Case(COUNT, Aggregation.newBuilder().setPerSeriesAligner(Aligner.ALIGN_DELTA).build(),
                        "at least 60 seconds"),
                new Case(LATENCIES, agg(Aligner.ALIGN_RATE, 60, Reducer.REDUCE_NONE),
                        "The aligner cannot be applied to metrics with kind DELTA and value type DISTRIBUTION."),
                new Case(COUNT, agg(Aligner.ALIGN_INTERPOLATE, 60, Reducer.REDUCE_NONE), "cannot be applied"),
                new Case(COUNT, agg(Aligner.ALIGN_DELTA, 60, Reducer.REDUCE_COUNT_TRUE), "cannot be applied"),
                new Case(COUNT, agg(Aligner.ALIGN_DELTA, 60, Reducer.REDUCE_STDDEV), "sandbox does not compute"),
                new Case(COUNT, agg(Aligner.ALIGN_DELTA, 60, Reducer.REDUCE_SUM, "metadata.system_labels.state"),
                        "'metadata.system_labels.state' is not supported"),
                new Case(COUNT + " OR resource.labels.revision_name = \"x\"", null, "found 'OR"),
                new Case("NOT " + COUNT, null, "found 'NOT"),
                new Case(COUNT + " AND resource.labels.revision_name != \"x\"", null, "found '!="),
                new Case(COUNT + " AND resource.labels.revision_name = starts_with(\"x\")", null,
                        "found 'starts_with"),
                new Case(COUNT + " resource.labels.location = \"" + Sandbox.REGION + "\"", null, "joined by AND"),
                new Case(RESOURCE, null, "must specify a single metric type"),
                new Case("metric.type = \"run.googleapis.com/container/cpu/utilizations\"", null, "synthesises only"));
        for (Case c : cases) {
            assertThatThrownBy(() -> list(c.filter(), c.aggregation())).as(c.message())
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getStatusCode().getCode())
                            .isEqualTo(StatusCode.Code.INVALID_ARGUMENT))
                    .hasMessageContaining(c.message());
        }
    }

    @Test
    void dataNewerThanTheLagIsNotVisibleUntilTimePasses() throws Exception {
        TestClock lagged = new TestClock(T0.plusSeconds(30));
        try (Sandbox late = Sandbox.start(Sandbox.Options.defaults().withMetricsLag(Duration.ofMinutes(2)),
                lagged); MetricServiceClient c = connect(late)) {
            Instant end = lagged.instant();
            // Visible up to 11:58:30: the minutes ending 11:56, 11:57, 11:58 of the five asked for.
            List<TimeSeries> now = list(c, COUNT, null, end);
            assertThat(now).allSatisfy(ts -> assertThat(ts.getPointsList()).extracting(MonitoringQueryTest::end)
                    .containsExactly(T0.minusSeconds(120), T0.minusSeconds(180), T0.minusSeconds(240)));
            assertThat(sums(list(c, COUNT, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM), end)))
                    .containsExactly(Map.entry("{}", 1800L));
            lagged.advance(Duration.ofMinutes(2));
            assertThat(sums(list(c, COUNT, agg(Aligner.ALIGN_DELTA, 300, Reducer.REDUCE_SUM), end)))
                    .containsExactly(Map.entry("{}", 3000L));
        }
    }
}

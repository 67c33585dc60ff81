package dev.virtuoso.rollback.adapter.gcp;

import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.Point;
import com.google.monitoring.v3.ProjectName;
import com.google.monitoring.v3.TimeInterval;
import com.google.monitoring.v3.TimeSeries;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.RevisionSeries;
import dev.virtuoso.rollback.port.MetricHistory;
import dev.virtuoso.rollback.port.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** {@link Metrics} over Cloud Monitoring's MetricServiceClient.listTimeSeries. */
public final class MonitoringMetrics implements Metrics, MetricHistory {
    private static final String API = "Cloud Monitoring";
    private final GcpClients clients;
    private final Clock clock;

    public MonitoringMetrics(GcpClients clients, Clock clock) {
        this.clients = clients;
        this.clock = clock;
    }

    @Override
    public MetricSample sample(ServiceRef service, Optional<String> revision, Duration window) {
        Instant to = clock.instant();
        Instant from = to.minus(window);
        String resource = resource(service, revision);
        long requests = 0;
        long errors = 0;
        // Error rate = sum(5xx) / sum(all): ALIGN_DELTA over the whole window, REDUCE_SUM across
        // revisions, one series per response_code_class (not an average of per-series rates). The
        // group-by is what keeps the class: a reducer drops every label not grouped by
        // (common.proto, Aggregation.group_by_fields), and without it no series would be 5xx.
        for (TimeSeries ts : list(service, resource, "run.googleapis.com/request_count", from, to,
                Aggregation.Reducer.REDUCE_SUM, List.of("metric.labels.response_code_class"))) {
            long n = ts.getPointsList().stream().mapToLong(p -> p.getValue().getInt64Value()).sum();
            requests += n;
            if ("5xx".equals(ts.getMetric().getLabelsMap().get("response_code_class"))) {
                errors += n;
            }
        }
        // P95 of the merged distribution, computed by Monitoring: not an average of per-series P95s.
        Double p95 = list(service, resource, "run.googleapis.com/request_latencies", from, to,
                Aggregation.Reducer.REDUCE_PERCENTILE_95, List.of()).stream()
                .flatMap(ts -> ts.getPointsList().stream())
                // Periods end at the interval's end; a window of a fractional second count leaves a
                // sliver before the one full period, so there can be two. The newest is the one to judge.
                .max(Comparator.comparing((Point p) -> p.getInterval().getEndTime().getSeconds()))
                .map(p -> p.getValue().getDoubleValue()).orElse(null);
        return new MetricSample(from, to, requests, errors, p95);
    }

    /** The filter on {@code service}'s revisions (one of them when {@code revision} names it). */
    private static String resource(ServiceRef service, Optional<String> revision) {
        return "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"" + service.name()
                + "\" AND resource.labels.location=\"" + service.region() + "\""
                + revision.map(r -> " AND resource.labels.revision_name=\"" + r + "\"").orElse("");
    }

    /**
     * The same aggregation per minute: a period of 60 s instead of the whole window, grouped by
     * revision as well. Each point's interval ends on its minute.
     */
    @Override
    public List<RevisionSeries> perRevision(ServiceRef service, Instant from, Instant to) {
        String resource = resource(service, Optional.empty());
        java.util.Map<String, java.util.TreeMap<Instant, long[]>> counts = new java.util.TreeMap<>();
        for (TimeSeries ts : list(service, resource, "run.googleapis.com/request_count", from, to, MINUTE,
                Aggregation.Reducer.REDUCE_SUM, List.of(REVISION, "metric.labels.response_code_class"))) {
            boolean error = "5xx".equals(ts.getMetric().getLabelsMap().get("response_code_class"));
            var minutes = counts.computeIfAbsent(revision(ts), r -> new java.util.TreeMap<>());
            for (Point p : ts.getPointsList()) {
                long[] n = minutes.computeIfAbsent(end(p), e -> new long[2]);
                n[0] += p.getValue().getInt64Value();
                n[1] += error ? p.getValue().getInt64Value() : 0;
            }
        }
        java.util.Map<String, java.util.Map<Instant, Double>> p95 = new java.util.HashMap<>();
        for (TimeSeries ts : list(service, resource, "run.googleapis.com/request_latencies", from, to, MINUTE,
                Aggregation.Reducer.REDUCE_PERCENTILE_95, List.of(REVISION))) {
            var minutes = p95.computeIfAbsent(revision(ts), r -> new java.util.HashMap<>());
            ts.getPointsList().forEach(p -> minutes.put(end(p), p.getValue().getDoubleValue()));
        }
        List<RevisionSeries> out = new java.util.ArrayList<>();
        counts.forEach((revision, minutes) -> out.add(new RevisionSeries(revision, minutes.entrySet().stream()
                .map(e -> new RevisionSeries.Minute(e.getKey(), e.getValue()[0], e.getValue()[1],
                        p95.getOrDefault(revision, java.util.Map.of()).get(e.getKey())))
                .toList())));
        return out;
    }

    private static final String REVISION = "resource.label.revision_name";
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static String revision(TimeSeries ts) {
        return ts.getResource().getLabelsOrDefault("revision_name", "");
    }

    private static Instant end(Point p) {
        return Instant.ofEpochSecond(p.getInterval().getEndTime().getSeconds(), p.getInterval().getEndTime().getNanos());
    }

    private List<TimeSeries> list(ServiceRef service, String resource, String metric, Instant from, Instant to,
                                  Aggregation.Reducer reducer, List<String> groupBy) {
        return list(service, resource, metric, from, to, Duration.ofSeconds(Math.max(60,
                Duration.between(from, to).toSeconds())), reducer, groupBy);
    }

    private List<TimeSeries> list(ServiceRef service, String resource, String metric, Instant from, Instant to,
                                  Duration period, Aggregation.Reducer reducer, List<String> groupBy) {
        ListTimeSeriesRequest req = ListTimeSeriesRequest.newBuilder()
                .setName(ProjectName.of(service.project()).toString())
                .setFilter("metric.type=\"" + metric + "\" AND " + resource)
                .setInterval(TimeInterval.newBuilder().setStartTime(ts(from)).setEndTime(ts(to)))
                // A cross-series reducer needs an aligner other than ALIGN_NONE and an alignment
                // period of at least 60 s, else INVALID_ARGUMENT (common.proto, Aggregation).
                .setAggregation(Aggregation.newBuilder()
                        .setAlignmentPeriod(Durations.fromSeconds(period.toSeconds()))
                        .setPerSeriesAligner(Aggregation.Aligner.ALIGN_DELTA)
                        .setCrossSeriesReducer(reducer).addAllGroupByFields(groupBy))
                .setView(ListTimeSeriesRequest.TimeSeriesView.FULL)
                .build();
        try {
            return com.google.common.collect.Lists.newArrayList(clients.metrics().listTimeSeries(req).iterateAll());
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, metric + " of " + service.path(), e);
        }
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}

package dev.virtuoso.rollback.sandbox;

import com.google.api.Distribution;
import com.google.api.Metric;
import com.google.api.MonitoredResource;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.AlertPolicyServiceGrpc;
import com.google.monitoring.v3.CreateAlertPolicyRequest;
import com.google.monitoring.v3.DeleteAlertPolicyRequest;
import com.google.monitoring.v3.GetAlertPolicyRequest;
import com.google.monitoring.v3.ListAlertPoliciesRequest;
import com.google.monitoring.v3.ListAlertPoliciesResponse;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.ListTimeSeriesResponse;
import com.google.monitoring.v3.MetricServiceGrpc;
import com.google.monitoring.v3.Point;
import com.google.monitoring.v3.TimeInterval;
import com.google.monitoring.v3.TimeSeries;
import com.google.monitoring.v3.TypedValue;
import com.google.monitoring.v3.UpdateAlertPolicyRequest;
import com.google.protobuf.Empty;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloud Monitoring v3 for the sandbox: Cloud Run request metrics synthesised from who served
 * what when (a broken revision ~60% 5xx and P95 ~8 s, a good one ~1% and ~300 ms), aggregated
 * the way the API does it, and an alert-policy store.
 */
final class MonitoringEmulator {
    static final String REQUEST_COUNT = "run.googleapis.com/request_count";
    static final String REQUEST_LATENCIES = "run.googleapis.com/request_latencies";
    /** Explicit latency bucket bounds in ms: bucket 0 is underflow (< 100), the last overflow. */
    static final List<Double> BOUNDS = List.of(100d, 200d, 400d, 800d, 1600d, 3200d, 6400d, 12800d);
    /** Per mille of requests in each bucket: P95 = 311 ms for a good revision, 8229 ms for a broken one. */
    static final long[] GOOD_SHAPE = {400, 500, 90, 10, 0, 0, 0, 0, 0};
    static final long[] BROKEN_SHAPE = {0, 300, 100, 0, 0, 0, 530, 70, 0};
    static final double GOOD_ERRORS = 0.01;
    static final double BROKEN_ERRORS = 0.60;
    private static final Pattern CLAUSE = Pattern.compile("([a-z_.]+)\\s*=\\s*\"([^\"]*)\"");

    private final CloudRunEmulator cloudRun;
    private final Clock clock;
    private volatile double requestsPerMinute;
    /** Data newer than this is not visible yet (real Monitoring lags 60–180 s). */
    private final Duration lag;
    private final Map<String, AlertPolicy> policies = new LinkedHashMap<>();
    private final AtomicInteger policyWrites = new AtomicInteger();

    MonitoringEmulator(CloudRunEmulator cloudRun, Clock clock, double requestsPerMinute, Duration lag) {
        this.cloudRun = cloudRun;
        this.clock = clock;
        this.requestsPerMinute = requestsPerMinute;
        this.lag = lag;
    }

    /** Traffic volume for the synthetic metrics; 0 means no requests at all. */
    public void setRequestsPerMinute(double rpm) {
        this.requestsPerMinute = rpm;
    }

    /** Alert policies created or updated. */
    public int policyWrites() {
        return policyWrites.get();
    }

    public synchronized List<AlertPolicy> policies() {
        return List.copyOf(policies.values());
    }

    MetricServiceGrpc.MetricServiceImplBase metrics() {
        return new MetricsApi();
    }

    AlertPolicyServiceGrpc.AlertPolicyServiceImplBase alertPolicies() {
        return new AlertPoliciesApi();
    }

    /** Requests each revision served in [start, end), from the serving timeline. */
    Map<String, Double> requests(String service, Instant start, Instant end) {
        Map<String, Double> out = new LinkedHashMap<>();
        List<CloudRunEmulator.Serving> timeline = cloudRun.timeline(service);
        for (int i = 0; i < timeline.size(); i++) {
            Instant from = i == 0 ? Instant.MIN : timeline.get(i).since();
            Instant to = i + 1 < timeline.size() ? timeline.get(i + 1).since() : Instant.MAX;
            Instant a = from.isAfter(start) ? from : start;
            Instant b = to.isBefore(end) ? to : end;
            if (a.isBefore(b)) {
                double minutes = Duration.between(a, b).toMillis() / 60_000.0;
                timeline.get(i).percents().forEach((rev, pct) ->
                        out.merge(rev, requestsPerMinute * pct / 100.0 * minutes, Double::sum));
            }
        }
        return out;
    }

    boolean broken(String revision) {
        return cloudRun.revision(revision).map(r -> r.getContainersCount() > 0
                && cloudRun.isBroken(r.getContainers(0).getImage())).orElse(false);
    }

    /** Linear interpolation inside the bucket holding the rank, as for REDUCE_PERCENTILE_*. */
    static double percentile(long[] counts, double p) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double rank = p * total;
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0 && cumulative + counts[i] >= rank) {
                double lower = i == 0 ? 0 : BOUNDS.get(i - 1);
                double upper = i < BOUNDS.size() ? BOUNDS.get(i) : lower * 2;
                return lower + (rank - cumulative) / counts[i] * (upper - lower);
            }
            cumulative += counts[i];
        }
        return 0;
    }

    private ListTimeSeriesResponse list(ListTimeSeriesRequest req) {
        Map<String, String> filter = new LinkedHashMap<>();
        Matcher m = CLAUSE.matcher(req.getFilter());
        while (m.find()) {
            filter.put(m.group(1), m.group(2));
        }
        String project = req.getName().replaceFirst("^projects/", "");
        String serviceName = filter.get("resource.labels.service_name");
        if (serviceName == null || !"cloud_run_revision".equals(filter.get("resource.type"))) {
            throw Status.INVALID_ARGUMENT.withDescription("the sandbox answers Cloud Run revision metrics filtered by "
                    + "resource.type and resource.labels.service_name").asRuntimeException();
        }
        String location = filter.getOrDefault("resource.labels.location", Sandbox.REGION);
        String service = "projects/" + project + "/locations/" + location + "/services/" + serviceName;
        Instant start = Grpc.instant(req.getInterval().getStartTime());
        Instant end = Grpc.instant(req.getInterval().getEndTime());
        Instant visible = clock.instant().minus(lag);
        if (end.isAfter(visible)) {
            end = visible;
        }
        Map<String, Double> served = end.isAfter(start) ? requests(service, start, end) : Map.of();
        String revision = filter.get("resource.labels.revision_name");
        if (revision != null) {
            served = served.containsKey(revision) ? Map.of(revision, served.get(revision)) : Map.of();
        }
        TimeInterval interval = TimeInterval.newBuilder().setStartTime(req.getInterval().getStartTime())
                .setEndTime(Grpc.timestamp(end)).build();
        Aggregation agg = req.getAggregation();
        List<TimeSeries> series = switch (filter.getOrDefault("metric.type", "")) {
            case REQUEST_COUNT -> counts(served, agg, interval, filter.get("metric.labels.response_code_class"), serviceName);
            case REQUEST_LATENCIES -> latencies(served, agg, interval, serviceName);
            default -> List.of();
        };
        return ListTimeSeriesResponse.newBuilder().addAllTimeSeries(series).build();
    }

    private List<TimeSeries> counts(Map<String, Double> served, Aggregation agg, TimeInterval interval, String onlyClass,
                                    String service) {
        boolean sum = agg.getCrossSeriesReducer() == Aggregation.Reducer.REDUCE_SUM;
        Map<String, Long> byKey = new LinkedHashMap<>();
        served.forEach((rev, requests) -> {
            long total = Math.round(requests);
            long errors = Math.round(total * (broken(rev) ? BROKEN_ERRORS : GOOD_ERRORS));
            byKey.merge((sum ? "" : rev) + "|2xx", total - errors, Long::sum);
            byKey.merge((sum ? "" : rev) + "|5xx", errors, Long::sum);
        });
        List<TimeSeries> out = new ArrayList<>();
        byKey.forEach((key, value) -> {
            String rev = key.substring(0, key.indexOf('|'));
            String cls = key.substring(key.indexOf('|') + 1);
            // A delta metric has no series for a class that saw no requests.
            if (value == 0 || (onlyClass != null && !onlyClass.equals(cls))) {
                return;
            }
            out.add(TimeSeries.newBuilder()
                    .setMetric(Metric.newBuilder().setType(REQUEST_COUNT).putLabels("response_code_class", cls))
                    .setResource(resource(service, rev))
                    .addPoints(Point.newBuilder().setInterval(interval).setValue(TypedValue.newBuilder().setInt64Value(value)))
                    .build());
        });
        return out;
    }

    private List<TimeSeries> latencies(Map<String, Double> served, Aggregation agg, TimeInterval interval, String service) {
        Map<String, long[]> byRevision = new LinkedHashMap<>();
        served.forEach((rev, requests) -> {
            long[] shape = broken(rev) ? BROKEN_SHAPE : GOOD_SHAPE;
            long[] counts = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                counts[i] = Math.round(requests * shape[i] / 1000.0);
            }
            byRevision.put(rev, counts);
        });
        if (agg.getCrossSeriesReducer() == Aggregation.Reducer.REDUCE_NONE) {
            List<TimeSeries> out = new ArrayList<>();
            byRevision.forEach((rev, counts) -> out.add(distribution(service, rev, counts, interval)));
            return out;
        }
        // Every cross-series reducer over a distribution works on the merged buckets.
        long[] merged = new long[GOOD_SHAPE.length];
        byRevision.values().forEach(c -> {
            for (int i = 0; i < c.length; i++) {
                merged[i] += c[i];
            }
        });
        if (java.util.Arrays.stream(merged).sum() == 0) {
            return List.of();
        }
        Double p = switch (agg.getCrossSeriesReducer()) {
            case REDUCE_PERCENTILE_99 -> 0.99;
            case REDUCE_PERCENTILE_95 -> 0.95;
            case REDUCE_PERCENTILE_50 -> 0.50;
            case REDUCE_PERCENTILE_05 -> 0.05;
            default -> null;
        };
        if (p == null) {
            return List.of(distribution(service, "", merged, interval));
        }
        return List.of(TimeSeries.newBuilder().setMetric(Metric.newBuilder().setType(REQUEST_LATENCIES))
                .setResource(resource(service, ""))
                .addPoints(Point.newBuilder().setInterval(interval)
                        .setValue(TypedValue.newBuilder().setDoubleValue(percentile(merged, p))))
                .build());
    }

    private static TimeSeries distribution(String service, String rev, long[] counts, TimeInterval interval) {
        Distribution.Builder d = Distribution.newBuilder().setBucketOptions(Distribution.BucketOptions.newBuilder()
                .setExplicitBuckets(Distribution.BucketOptions.Explicit.newBuilder().addAllBounds(BOUNDS)));
        long total = 0;
        for (long c : counts) {
            d.addBucketCounts(c);
            total += c;
        }
        return TimeSeries.newBuilder().setMetric(Metric.newBuilder().setType(REQUEST_LATENCIES))
                .setResource(resource(service, rev))
                .addPoints(Point.newBuilder().setInterval(interval)
                        .setValue(TypedValue.newBuilder().setDistributionValue(d.setCount(total))))
                .build();
    }

    private static MonitoredResource resource(String service, String revision) {
        MonitoredResource.Builder r = MonitoredResource.newBuilder().setType("cloud_run_revision")
                .putLabels("service_name", service).putLabels("location", Sandbox.REGION);
        if (!revision.isEmpty()) {
            r.putLabels("revision_name", revision);
        }
        return r.build();
    }

    private final class MetricsApi extends MetricServiceGrpc.MetricServiceImplBase {
        @Override
        public void listTimeSeries(ListTimeSeriesRequest req, StreamObserver<ListTimeSeriesResponse> obs) {
            Grpc.answer(obs, () -> list(req));
        }
    }

    private final class AlertPoliciesApi extends AlertPolicyServiceGrpc.AlertPolicyServiceImplBase {
        @Override
        public void listAlertPolicies(ListAlertPoliciesRequest req, StreamObserver<ListAlertPoliciesResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (MonitoringEmulator.this) {
                    return ListAlertPoliciesResponse.newBuilder().addAllAlertPolicies(policies.values().stream()
                            .filter(p -> p.getName().startsWith(req.getName() + "/")).toList()).build();
                }
            });
        }

        @Override
        public void getAlertPolicy(GetAlertPolicyRequest req, StreamObserver<AlertPolicy> obs) {
            Grpc.answer(obs, () -> find(req.getName()));
        }

        @Override
        public void createAlertPolicy(CreateAlertPolicyRequest req, StreamObserver<AlertPolicy> obs) {
            Grpc.answer(obs, () -> {
                synchronized (MonitoringEmulator.this) {
                    policyWrites.incrementAndGet();
                    AlertPolicy p = req.getAlertPolicy().toBuilder()
                            .setName(req.getName() + "/alertPolicies/" + UUID.randomUUID().toString().replace("-", ""))
                            .build();
                    policies.put(p.getName(), p);
                    return p;
                }
            });
        }

        @Override
        public void updateAlertPolicy(UpdateAlertPolicyRequest req, StreamObserver<AlertPolicy> obs) {
            Grpc.answer(obs, () -> {
                synchronized (MonitoringEmulator.this) {
                    find(req.getAlertPolicy().getName());
                    policyWrites.incrementAndGet();
                    policies.put(req.getAlertPolicy().getName(), req.getAlertPolicy());
                    return req.getAlertPolicy();
                }
            });
        }

        @Override
        public void deleteAlertPolicy(DeleteAlertPolicyRequest req, StreamObserver<Empty> obs) {
            Grpc.answer(obs, () -> {
                synchronized (MonitoringEmulator.this) {
                    find(req.getName());
                    policyWrites.incrementAndGet();
                    policies.remove(req.getName());
                    return Empty.getDefaultInstance();
                }
            });
        }

        private AlertPolicy find(String name) {
            synchronized (MonitoringEmulator.this) {
                AlertPolicy p = policies.get(name);
                if (p == null) {
                    throw Status.NOT_FOUND.withDescription("Alert policy " + name + " not found.").asRuntimeException();
                }
                return p;
            }
        }
    }
}

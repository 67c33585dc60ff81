package dev.virtuoso.rollback.sandbox;

import com.google.api.Distribution;
import com.google.api.Metric;
import com.google.api.MetricDescriptor;
import com.google.api.MonitoredResource;
import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.AlertPolicyServiceGrpc;
import com.google.monitoring.v3.CreateAlertPolicyRequest;
import com.google.monitoring.v3.CreateNotificationChannelRequest;
import com.google.monitoring.v3.DeleteAlertPolicyRequest;
import com.google.monitoring.v3.GetAlertPolicyRequest;
import com.google.monitoring.v3.ListAlertPoliciesRequest;
import com.google.monitoring.v3.ListAlertPoliciesResponse;
import com.google.monitoring.v3.ListNotificationChannelsRequest;
import com.google.monitoring.v3.ListNotificationChannelsResponse;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.ListTimeSeriesResponse;
import com.google.monitoring.v3.MetricServiceGrpc;
import com.google.monitoring.v3.NotificationChannel;
import com.google.monitoring.v3.NotificationChannelServiceGrpc;
import com.google.monitoring.v3.Point;
import com.google.monitoring.v3.TimeInterval;
import com.google.monitoring.v3.TimeSeries;
import com.google.monitoring.v3.TypedValue;
import com.google.monitoring.v3.UpdateAlertPolicyRequest;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Empty;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloud Monitoring v3 for the sandbox: Cloud Run request metrics synthesised from who served
 * what when (a broken revision ~60% 5xx and P95 ~8 s, a good one ~1% and ~300 ms), filtered and
 * aggregated the way ListTimeSeries does it ({@link MonitoringFilter}, {@link
 * TimeSeriesAggregation}), and an alert-policy store that validates as the API does
 * ({@link AlertPolicyRules}).
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
    static final String RESOURCE_TYPE = "cloud_run_revision";
    static final Map<String, MetricDescriptor.MetricKind> KINDS = Map.of(
            REQUEST_COUNT, MetricDescriptor.MetricKind.DELTA, REQUEST_LATENCIES, MetricDescriptor.MetricKind.DELTA);
    static final Map<String, MetricDescriptor.ValueType> TYPES = Map.of(
            REQUEST_COUNT, MetricDescriptor.ValueType.INT64, REQUEST_LATENCIES, MetricDescriptor.ValueType.DISTRIBUTION);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    /** How far back the sandbox synthesises data at most: six weeks. */
    static final Duration RETENTION = Duration.ofDays(42);
    private static final Pattern PROJECT = Pattern.compile("projects/([^/]+)");
    private static final Pattern SERVICE = Pattern.compile("projects/([^/]+)/locations/([^/]+)/services/([^/]+)");

    private static final AlertPolicyRules RULES = new AlertPolicyRules(KINDS, TYPES);

    private final CloudRunEmulator cloudRun;
    private final Clock clock;
    private volatile double requestsPerMinute;
    /** Data newer than this is not visible yet (real Monitoring lags 60–180 s). */
    private final Duration lag;
    private final Map<String, AlertPolicy> policies = new LinkedHashMap<>();
    private final AtomicInteger policyWrites = new AtomicInteger();
    private final Map<String, NotificationChannel> channels = new LinkedHashMap<>();
    private final AtomicInteger channelWrites = new AtomicInteger();
    private final AtomicInteger channelIds = new AtomicInteger(7_000_000);

    MonitoringEmulator(CloudRunEmulator cloudRun, Clock clock, double requestsPerMinute, Duration lag) {
        this.cloudRun = cloudRun;
        this.clock = clock;
        this.requestsPerMinute = requestsPerMinute;
        this.lag = lag;
    }

    /** Traffic volume for the synthetic metrics; 0 means no requests at all. */
    void setRequestsPerMinute(double rpm) {
        this.requestsPerMinute = rpm;
    }

    /** Alert policies created or updated. */
    int policyWrites() {
        return policyWrites.get();
    }

    synchronized List<AlertPolicy> policies() {
        return List.copyOf(policies.values());
    }

    MetricServiceGrpc.MetricServiceImplBase metrics() {
        return new MetricsApi();
    }

    AlertPolicyServiceGrpc.AlertPolicyServiceImplBase alertPolicies() {
        return new AlertPoliciesApi();
    }

    NotificationChannelServiceGrpc.NotificationChannelServiceImplBase notificationChannels() {
        return new ChannelsApi();
    }

    /** Notification channels created. */
    int channelWrites() {
        return channelWrites.get();
    }

    synchronized List<NotificationChannel> channels() {
        return List.copyOf(channels.values());
    }

    /** Requests each revision served in [start, end), from a serving timeline. */
    private Map<String, Double> requests(List<CloudRunEmulator.Serving> timeline, Instant start, Instant end) {
        Map<String, Double> out = new LinkedHashMap<>();
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
        Matcher project = PROJECT.matcher(req.getName());
        if (!project.matches()) {
            throw invalid("name", req.getName(), "the sandbox answers projects/PROJECT_ID only");
        }
        MonitoringFilter filter = MonitoringFilter.parse(req.getFilter(), "filter");
        String metricType = filter.get("metric.type");
        // metric_service.proto: "The filter must specify a single metric type".
        if (metricType == null) {
            throw invalid("filter", req.getFilter(), "the filter must specify a single metric type");
        }
        if (!KINDS.containsKey(metricType)) {
            throw invalid("filter", req.getFilter(), "the sandbox synthesises only " + KINDS.keySet());
        }
        if (req.hasSecondaryAggregation()) {
            throw invalid("secondaryAggregation", req.getSecondaryAggregation().toString().strip(),
                    "not supported by the sandbox");
        }
        // "Unsupported: must be left blank."
        if (!req.getOrderBy().isEmpty()) {
            throw invalid("orderBy", req.getOrderBy(), "must be left blank");
        }
        if (!req.getPageToken().isEmpty()) {
            throw invalid("pageToken", req.getPageToken(), "the sandbox never hands out page tokens");
        }
        if (req.getView() == ListTimeSeriesRequest.TimeSeriesView.UNRECOGNIZED) {
            throw invalid("view", "" + req.getViewValue(), "unknown view");
        }
        if (!req.getInterval().hasEndTime()) {
            throw invalid("interval.endTime", "", "the end of the interval is required");
        }
        Instant end = Grpc.instant(req.getInterval().getEndTime());
        // common.proto: "The default value for the start time is the end time. The start time
        // must not be later than the end time." Reads are (start, end].
        Instant start = req.getInterval().hasStartTime() ? Grpc.instant(req.getInterval().getStartTime()) : end;
        if (start.isAfter(end)) {
            throw invalid("interval.startTime", req.getInterval().getStartTime().toString().strip(),
                    "the start time must not be later than the end time");
        }
        TimeSeriesAggregation aggregation = new TimeSeriesAggregation(req.getAggregation(), "aggregation");
        aggregation.validate(KINDS.get(metricType), TYPES.get(metricType));
        List<TimeSeriesAggregation.Series> series = aggregation.apply(
                synthesise(project.group(1), filter, metricType, start, end), start, end);
        boolean headers = req.getView() == ListTimeSeriesRequest.TimeSeriesView.HEADERS;
        ListTimeSeriesResponse.Builder out = ListTimeSeriesResponse.newBuilder();
        long points = 0;
        for (TimeSeriesAggregation.Series s : series) {
            out.addTimeSeries(toProto(s, headers));
            points += headers ? 1 : s.points().size();
        }
        // "If view is set to FULL, this is the maximum number of Points returned. If view is set
        // to HEADERS, this is the maximum number of TimeSeries returned."
        if (req.getPageSize() > 0 && points > req.getPageSize()) {
            throw invalid("pageSize", "" + req.getPageSize(), "the answer has " + points
                    + " results and the sandbox does not page; ask for more");
        }
        return out.build();
    }

    /**
     * The raw Cloud Run series of a project that match the filter: one per revision and response
     * class (request_count) or per revision (request_latencies), one point per minute ending on
     * the minute, none for a minute without requests, none newer than {@code now - lag}.
     */
    private List<TimeSeriesAggregation.Series> synthesise(String project, MonitoringFilter filter, String metricType,
                                                          Instant start, Instant end) {
        Instant visible = clock.instant().minus(lag);
        Instant last = minute(end.isBefore(visible) ? end : visible);
        boolean counts = metricType.equals(REQUEST_COUNT);
        Map<String, SeriesBuilder> series = new LinkedHashMap<>();
        for (String service : cloudRun.serviceNames()) {
            Matcher m = SERVICE.matcher(service);
            if (!m.matches() || !m.group(1).equals(project)) {
                continue;
            }
            String location = m.group(2);
            String name = m.group(3);
            // No requests before the service existed, and at most RETENTION back.
            Instant from = start;
            Instant created = Grpc.instant(cloudRun.service(service).getCreateTime());
            Instant floor = created.isAfter(end.minus(RETENTION)) ? created : end.minus(RETENTION);
            if (from.isBefore(floor)) {
                from = floor;
            }
            List<CloudRunEmulator.Serving> timeline = cloudRun.timeline(service);
            for (Instant t = minute(from).plus(MINUTE); !t.isAfter(last); t = t.plus(MINUTE)) {
                Instant pointStart = t.minus(MINUTE);
                for (Map.Entry<String, Double> e : requests(timeline, pointStart, t).entrySet()) {
                    String rev = e.getKey();
                    double requests = e.getValue();
                    Map<String, String> resource = Map.of("project_id", project, "service_name", name,
                            "revision_name", rev, "location", location, "configuration_name", name);
                    if (counts) {
                        long total = Math.round(requests);
                        long errors = Math.round(total * (broken(rev) ? BROKEN_ERRORS : GOOD_ERRORS));
                        add(series, filter, metricType, Map.of("response_code_class", "2xx", "response_code", "200"),
                                resource, pointStart, t, total - errors == 0 ? null
                                        : TimeSeriesAggregation.Value.of(total - errors));
                        add(series, filter, metricType, Map.of("response_code_class", "5xx", "response_code", "503"),
                                resource, pointStart, t, errors == 0 ? null : TimeSeriesAggregation.Value.of(errors));
                    } else {
                        long[] shape = broken(rev) ? BROKEN_SHAPE : GOOD_SHAPE;
                        long[] buckets = new long[shape.length];
                        for (int i = 0; i < shape.length; i++) {
                            buckets[i] = Math.round(requests * shape[i] / 1000.0);
                        }
                        add(series, filter, metricType, Map.of(), resource, pointStart, t,
                                java.util.Arrays.stream(buckets).sum() == 0 ? null
                                        : TimeSeriesAggregation.Value.distribution(buckets));
                    }
                }
            }
        }
        return series.values().stream().map(SeriesBuilder::build).toList();
    }

    /** A delta metric writes no point for a minute without requests: {@code value} null. */
    private static void add(Map<String, SeriesBuilder> series, MonitoringFilter filter, String metricType,
                            Map<String, String> metricLabels, Map<String, String> resourceLabels, Instant start,
                            Instant end, TimeSeriesAggregation.Value value) {
        if (value == null || !filter.matches(metricType, RESOURCE_TYPE, metricLabels, resourceLabels)) {
            return;
        }
        series.computeIfAbsent(metricLabels + "|" + resourceLabels, k -> new SeriesBuilder(metricType, metricLabels,
                resourceLabels)).points.add(new TimeSeriesAggregation.Pt(start, end, value));
    }

    private static final class SeriesBuilder {
        final String metricType;
        final Map<String, String> metricLabels;
        final Map<String, String> resourceLabels;
        final List<TimeSeriesAggregation.Pt> points = new ArrayList<>();

        SeriesBuilder(String metricType, Map<String, String> metricLabels, Map<String, String> resourceLabels) {
            this.metricType = metricType;
            this.metricLabels = metricLabels;
            this.resourceLabels = resourceLabels;
        }

        TimeSeriesAggregation.Series build() {
            return new TimeSeriesAggregation.Series(metricType, new TreeMap<>(metricLabels), RESOURCE_TYPE,
                    new TreeMap<>(resourceLabels), KINDS.get(metricType), TYPES.get(metricType), List.copyOf(points));
        }
    }

    private static Instant minute(Instant t) {
        return t.truncatedTo(ChronoUnit.MINUTES);
    }

    /** Points newest first, as ListTimeSeries returns them. */
    private static TimeSeries toProto(TimeSeriesAggregation.Series s, boolean headersOnly) {
        TimeSeries.Builder b = TimeSeries.newBuilder()
                .setMetric(Metric.newBuilder().setType(s.metricType()).putAllLabels(s.metricLabels()))
                .setResource(MonitoredResource.newBuilder().setType(s.resourceType()).putAllLabels(s.resourceLabels()))
                .setMetricKind(s.kind()).setValueType(s.type());
        if (s.metricType().equals(REQUEST_LATENCIES) && s.type() == MetricDescriptor.ValueType.DISTRIBUTION) {
            b.setUnit("ms");
        }
        if (headersOnly) {
            return b.build();
        }
        for (int i = s.points().size() - 1; i >= 0; i--) {
            TimeSeriesAggregation.Pt p = s.points().get(i);
            TimeInterval.Builder interval = TimeInterval.newBuilder().setEndTime(Grpc.timestamp(p.end()));
            if (!p.start().equals(p.end())) {
                interval.setStartTime(Grpc.timestamp(p.start()));
            }
            b.addPoints(Point.newBuilder().setInterval(interval).setValue(typed(p.value())));
        }
        return b.build();
    }

    private static TypedValue typed(TimeSeriesAggregation.Value v) {
        return switch (v.type()) {
            case INT64 -> TypedValue.newBuilder().setInt64Value(v.int64()).build();
            case DOUBLE -> TypedValue.newBuilder().setDoubleValue(v.dbl()).build();
            default -> TypedValue.newBuilder().setDistributionValue(Distribution.newBuilder()
                    .setCount(v.count())
                    .setBucketOptions(Distribution.BucketOptions.newBuilder().setExplicitBuckets(
                            Distribution.BucketOptions.Explicit.newBuilder().addAllBounds(BOUNDS)))
                    .addAllBucketCounts(java.util.Arrays.stream(v.buckets()).boxed().toList())).build();
        };
    }

    private static StatusRuntimeException invalid(String field, String value, String why) {
        return Status.INVALID_ARGUMENT.withDescription("Field " + field + " had an invalid value of \"" + value + "\": "
                + why).asRuntimeException();
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
                if (!PROJECT.matcher(req.getName()).matches()) {
                    throw invalid("name", req.getName(), "the sandbox keeps alert policies of projects/PROJECT_ID only");
                }
                RULES.validate(req.getAlertPolicy(), true);
                synchronized (MonitoringEmulator.this) {
                    policyWrites.incrementAndGet();
                    String name = req.getName() + "/alertPolicies/" + UUID.randomUUID().toString().replace("-", "");
                    AlertPolicy p = stored(req.getAlertPolicy().toBuilder().setName(name).build());
                    policies.put(p.getName(), p);
                    return p;
                }
            });
        }

        @Override
        public void updateAlertPolicy(UpdateAlertPolicyRequest req, StreamObserver<AlertPolicy> obs) {
            Grpc.answer(obs, () -> {
                if (req.hasUpdateMask() && req.getUpdateMask().getPathsCount() > 0) {
                    throw invalid("updateMask", String.join(",", req.getUpdateMask().getPathsList()),
                            "not supported by the sandbox: send the whole policy");
                }
                synchronized (MonitoringEmulator.this) {
                    find(req.getAlertPolicy().getName());
                    RULES.validate(req.getAlertPolicy(), false);
                    policyWrites.incrementAndGet();
                    AlertPolicy p = stored(req.getAlertPolicy());
                    policies.put(p.getName(), p);
                    return p;
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

        /**
         * As written: conditions without a name get one ("Cloud Monitoring creates the condition
         * identifiers"), and an unset {@code enabled} reads back true ("On write, the default
         * interpretation if unset is that the policy is enabled").
         */
        private AlertPolicy stored(AlertPolicy p) {
            AlertPolicy.Builder b = p.toBuilder();
            for (int i = 0; i < b.getConditionsCount(); i++) {
                if (b.getConditions(i).getName().isEmpty()) {
                    b.setConditions(i, b.getConditions(i).toBuilder().setName(p.getName() + "/conditions/"
                            + UUID.randomUUID().toString().replace("-", "").substring(0, 20)));
                }
            }
            if (!b.hasEnabled()) {
                b.setEnabled(BoolValue.of(true));
            }
            return b.build();
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

    /**
     * List and create, as Cloud Monitoring answers them: a channel's type must be one it knows
     * (here: pubsub, email, webhook_tokenauth, slack), a pubsub channel needs its label {@code topic}
     * as projects/P/topics/T, and the server names the channel (projects/P/notificationChannels/ID).
     * A list's filter is not applied: callers check type and labels themselves.
     */
    private final class ChannelsApi extends NotificationChannelServiceGrpc.NotificationChannelServiceImplBase {
        private static final java.util.Set<String> TYPES = java.util.Set.of("pubsub", "email", "webhook_tokenauth",
                "slack");
        private static final Pattern TOPIC = Pattern.compile("projects/[^/]+/topics/[^/]+");

        @Override
        public void listNotificationChannels(ListNotificationChannelsRequest req,
                                             StreamObserver<ListNotificationChannelsResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (MonitoringEmulator.this) {
                    return ListNotificationChannelsResponse.newBuilder().addAllNotificationChannels(channels.values()
                            .stream().filter(c -> c.getName().startsWith(req.getName() + "/")).toList()).build();
                }
            });
        }

        @Override
        public void createNotificationChannel(CreateNotificationChannelRequest req,
                                              StreamObserver<NotificationChannel> obs) {
            Grpc.answer(obs, () -> {
                if (!PROJECT.matcher(req.getName()).matches()) {
                    throw invalid("name", req.getName(), "the sandbox keeps notification channels of projects/PROJECT_ID only");
                }
                NotificationChannel c = req.getNotificationChannel();
                if (!TYPES.contains(c.getType())) {
                    throw invalid("notification_channel.type", c.getType(), "unknown channel type");
                }
                if (c.getType().equals("pubsub") && !TOPIC.matcher(c.getLabelsOrDefault("topic", "")).matches()) {
                    throw invalid("notification_channel.labels.topic", c.getLabelsOrDefault("topic", ""),
                            "a pubsub channel needs its topic as projects/PROJECT/topics/TOPIC");
                }
                synchronized (MonitoringEmulator.this) {
                    channelWrites.incrementAndGet();
                    NotificationChannel stored = c.toBuilder().setName(req.getName() + "/notificationChannels/"
                            + channelIds.incrementAndGet()).build();
                    channels.put(stored.getName(), stored);
                    return stored;
                }
            });
        }
    }
}

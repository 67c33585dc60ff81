package dev.virtuoso.rollback.sandbox;

import com.google.api.MetricDescriptor.MetricKind;
import com.google.api.MetricDescriptor.ValueType;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.Aggregation.Aligner;
import com.google.monitoring.v3.Aggregation.Reducer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Aggregation as ListTimeSeries and alert conditions apply it (google/monitoring/v3/common.proto,
 * message Aggregation): each series is aligned into periods of {@code alignment_period} that end at
 * the query's end time, then series sharing the {@code group_by_fields} values are reduced into
 * one that carries only those labels. What a valid request asks for but the sandbox does not
 * compute is rejected with INVALID_ARGUMENT naming it, never ignored.
 *
 * <p>Not emulated: ALIGN_DELTA/ALIGN_RATE fill periods without data by interpolation in the real
 * API; here such a period has no point.
 */
final class TimeSeriesAggregation {
    /** One value of a point: INT64, DOUBLE or explicit-bucket DISTRIBUTION counts. */
    record Value(ValueType type, long int64, double dbl, long[] buckets) {
        static Value of(long v) {
            return new Value(ValueType.INT64, v, 0, null);
        }

        static Value of(double v) {
            return new Value(ValueType.DOUBLE, 0, v, null);
        }

        static Value distribution(long[] buckets) {
            return new Value(ValueType.DISTRIBUTION, 0, 0, buckets.clone());
        }

        double number() {
            return type == ValueType.INT64 ? int64 : dbl;
        }

        long count() {
            return Arrays.stream(buckets).sum();
        }
    }

    /** A point over (start, end]; a GAUGE point has start == end. */
    record Pt(Instant start, Instant end, Value value) {
    }

    /** A series with its points oldest first. */
    record Series(String metricType, Map<String, String> metricLabels, String resourceType,
                  Map<String, String> resourceLabels, MetricKind kind, ValueType type, List<Pt> points) {
    }

    static final Duration MIN_PERIOD = Duration.ofSeconds(60);
    /** common.proto: "The maximum value of the alignment_period is 104 weeks (2 years) for charts". */
    static final Duration MAX_PERIOD = Duration.ofDays(7 * 104);

    private final Aggregation agg;
    private final String field;

    /**
     * @param field where the aggregation sits in the request, for messages in the API's form
     *     ({@code aggregation}, {@code alert_policy.conditions[0].condition_threshold.aggregations[0]})
     */
    TimeSeriesAggregation(Aggregation agg, String field) {
        this.agg = agg;
        this.field = field;
    }

    /** The checks the API makes before reading any data, for input of this kind and type. */
    void validate(MetricKind kind, ValueType type) {
        Aligner aligner = agg.getPerSeriesAligner();
        Reducer reducer = agg.getCrossSeriesReducer();
        if (aligner == Aligner.UNRECOGNIZED) {
            throw invalid("perSeriesAligner", "" + agg.getPerSeriesAlignerValue(), "unknown aligner");
        }
        if (reducer == Reducer.UNRECOGNIZED) {
            throw invalid("crossSeriesReducer", "" + agg.getCrossSeriesReducerValue(), "unknown reducer");
        }
        // common.proto: "If cross_series_reducer is specified, then per_series_aligner must be
        // specified and not equal to ALIGN_NONE and alignment_period must be specified".
        if (reducer != Reducer.REDUCE_NONE && aligner == Aligner.ALIGN_NONE) {
            throw invalid("perSeriesAligner", "ALIGN_NONE", "a cross-series reducer (" + reducer
                    + ") needs the time series aligned first: set an aligner other than ALIGN_NONE");
        }
        if (aligner == Aligner.ALIGN_NONE) {
            // "If no per-series aligner is specified, or the aligner ALIGN_NONE is specified,
            // then this field is ignored" (alignment_period), and group_by_fields without a reducer.
            return;
        }
        Duration period = period();
        // "The value must be at least 60 seconds. If a per-series aligner other than ALIGN_NONE
        // is specified, this field is required or an error is returned."
        if (period.compareTo(MIN_PERIOD) < 0) {
            throw invalid("alignmentPeriod", seconds(period), "the alignment period must be at least 60 seconds");
        }
        if (period.compareTo(MAX_PERIOD) > 0) {
            throw invalid("alignmentPeriod", seconds(period), "the alignment period must be at most 104 weeks");
        }
        ValueType aligned = alignedType(aligner, kind, type);
        if (reducer != Reducer.REDUCE_NONE) {
            reducedType(reducer, alignedKind(aligner, kind), aligned);
            for (String f : agg.getGroupByFieldsList()) {
                groupField(f);
            }
        }
    }

    Duration period() {
        return Duration.ofSeconds(agg.getAlignmentPeriod().getSeconds(), agg.getAlignmentPeriod().getNanos());
    }

    /**
     * Aligns and reduces series read for (start, end]. Periods end at {@code end}, {@code end -
     * period}, ... as long as they end after {@code start}.
     */
    List<Series> apply(List<Series> raw, Instant start, Instant end) {
        Aligner aligner = agg.getPerSeriesAligner();
        if (aligner == Aligner.ALIGN_NONE) {
            return raw;
        }
        Duration period = period();
        long periodNanos = period.toNanos();
        List<Series> aligned = new ArrayList<>();
        for (Series s : raw) {
            // Period k ends at end - k * period and holds the points with end in (its start, its end].
            TreeMap<Long, List<Value>> byPeriod = new TreeMap<>(Collections.reverseOrder());
            for (Pt p : s.points()) {
                if (p.end().isAfter(start) && !p.end().isAfter(end)) {
                    long k = Duration.between(p.end(), end).toNanos() / periodNanos;
                    byPeriod.computeIfAbsent(k, x -> new ArrayList<>()).add(p.value());
                }
            }
            MetricKind kind = alignedKind(aligner, s.kind());
            List<Pt> points = new ArrayList<>();
            byPeriod.forEach((k, in) -> {
                Instant e = end.minusNanos(k * periodNanos);
                points.add(new Pt(kind == MetricKind.GAUGE ? e : e.minus(period), e, align(aligner, in, period)));
            });
            if (!points.isEmpty()) {
                aligned.add(new Series(s.metricType(), s.metricLabels(), s.resourceType(), s.resourceLabels(), kind,
                        alignedType(aligner, s.kind(), s.type()), points));
            }
        }
        Reducer reducer = agg.getCrossSeriesReducer();
        return reducer == Reducer.REDUCE_NONE ? aligned : reduce(reducer, aligned);
    }

    // ---- alignment ---------------------------------------------------------------------------

    private static MetricKind alignedKind(Aligner a, MetricKind input) {
        return a == Aligner.ALIGN_DELTA || a == Aligner.ALIGN_SUM ? input : MetricKind.GAUGE;
    }

    /** The value type an aligner yields, or INVALID_ARGUMENT where common.proto says it does not apply. */
    private ValueType alignedType(Aligner a, MetricKind kind, ValueType type) {
        boolean delta = kind == MetricKind.DELTA;
        boolean numeric = type == ValueType.INT64 || type == ValueType.DOUBLE;
        boolean distribution = type == ValueType.DISTRIBUTION;
        boolean valid = switch (a) {
            // "valid for CUMULATIVE and DELTA metrics"
            case ALIGN_DELTA -> delta;
            // "valid for CUMULATIVE and DELTA metrics with numeric values"
            case ALIGN_RATE -> delta && numeric;
            // "valid for GAUGE and DELTA metrics with numeric values"
            case ALIGN_MIN, ALIGN_MAX, ALIGN_MEAN, ALIGN_STDDEV, ALIGN_COUNT, ALIGN_PERCENT_CHANGE -> numeric;
            // "valid for GAUGE and DELTA metrics with numeric and distribution values"
            case ALIGN_SUM -> numeric || distribution;
            // "valid for GAUGE and DELTA metrics with distribution values"
            case ALIGN_PERCENTILE_99, ALIGN_PERCENTILE_95, ALIGN_PERCENTILE_50, ALIGN_PERCENTILE_05 -> distribution;
            // GAUGE only (interpolation, next older, Boolean counts)
            default -> false;
        };
        if (!valid) {
            // The API's own words (e.g. google/exposure-notifications-verification-server#659).
            throw invalid("perSeriesAligner", a.name(), "The aligner cannot be applied to metrics with kind " + kind
                    + " and value type " + type + ".");
        }
        return switch (a) {
            case ALIGN_DELTA, ALIGN_SUM, ALIGN_MIN, ALIGN_MAX -> type;
            case ALIGN_COUNT -> ValueType.INT64;
            case ALIGN_RATE, ALIGN_MEAN, ALIGN_PERCENTILE_99, ALIGN_PERCENTILE_95, ALIGN_PERCENTILE_50,
                 ALIGN_PERCENTILE_05 -> ValueType.DOUBLE;
            default -> throw invalid("perSeriesAligner", a.name(), "valid for this metric, but the sandbox does not "
                    + "compute it (it does ALIGN_DELTA, ALIGN_SUM, ALIGN_RATE, ALIGN_MEAN, ALIGN_MIN, ALIGN_MAX, "
                    + "ALIGN_COUNT and ALIGN_PERCENTILE_*)");
        };
    }

    private static Value align(Aligner a, List<Value> in, Duration period) {
        return switch (a) {
            case ALIGN_DELTA, ALIGN_SUM -> sum(in);
            // Delta over time: what the period counted, per second of the period.
            case ALIGN_RATE -> Value.of(in.stream().mapToDouble(Value::number).sum() / (period.toMillis() / 1000.0));
            case ALIGN_MEAN -> Value.of(in.stream().mapToDouble(Value::number).average().orElse(0));
            case ALIGN_MIN -> extreme(in, false);
            case ALIGN_MAX -> extreme(in, true);
            case ALIGN_COUNT -> Value.of((long) in.size());
            default -> Value.of(MonitoringEmulator.percentile(sum(in).buckets(), percentile(a.name())));
        };
    }

    // ---- reduction ---------------------------------------------------------------------------

    /** The value type a reducer yields over aligned input, or INVALID_ARGUMENT. */
    private ValueType reducedType(Reducer r, MetricKind kind, ValueType type) {
        boolean numeric = type == ValueType.INT64 || type == ValueType.DOUBLE;
        boolean distribution = type == ValueType.DISTRIBUTION;
        boolean valid = switch (r) {
            case REDUCE_MIN, REDUCE_MAX -> numeric;
            case REDUCE_SUM, REDUCE_MEAN, REDUCE_STDDEV, REDUCE_COUNT, REDUCE_PERCENTILE_99, REDUCE_PERCENTILE_95,
                 REDUCE_PERCENTILE_50, REDUCE_PERCENTILE_05 -> numeric || distribution;
            default -> false;
        };
        if (!valid) {
            throw invalid("crossSeriesReducer", r.name(), "The reducer cannot be applied to metrics with kind " + kind
                    + " and value type " + type + ".");
        }
        boolean computed = switch (r) {
            case REDUCE_SUM, REDUCE_COUNT -> true;
            case REDUCE_MEAN, REDUCE_MIN, REDUCE_MAX -> numeric;
            case REDUCE_PERCENTILE_99, REDUCE_PERCENTILE_95, REDUCE_PERCENTILE_50, REDUCE_PERCENTILE_05 -> distribution;
            default -> false;
        };
        if (!computed) {
            throw invalid("crossSeriesReducer", r.name(), "valid for value type " + type + ", but the sandbox does not "
                    + "compute it (it does REDUCE_SUM, REDUCE_COUNT, REDUCE_MEAN/MIN/MAX of numbers and "
                    + "REDUCE_PERCENTILE_* of distributions)");
        }
        return switch (r) {
            case REDUCE_SUM, REDUCE_MIN, REDUCE_MAX -> type;
            case REDUCE_COUNT -> ValueType.INT64;
            default -> ValueType.DOUBLE;
        };
    }

    private List<Series> reduce(Reducer r, List<Series> aligned) {
        // Grouping key: the group-by fields' values; fields a series lacks are simply absent.
        Map<List<String>, List<Series>> groups = new LinkedHashMap<>();
        List<String> fields = agg.getGroupByFieldsList().stream().map(this::groupField).toList();
        for (Series s : aligned) {
            List<String> key = fields.stream().map(f -> fieldValue(s, f)).toList();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
        }
        List<Series> out = new ArrayList<>();
        groups.forEach((key, members) -> {
            Series first = members.get(0);
            Map<String, String> metricLabels = new TreeMap<>();
            Map<String, String> resourceLabels = new TreeMap<>();
            for (int i = 0; i < fields.size(); i++) {
                String f = fields.get(i);
                String v = key.get(i);
                if (v != null && f.startsWith("metric.labels.")) {
                    metricLabels.put(f.substring(14), v);
                } else if (v != null && f.startsWith("resource.labels.")) {
                    resourceLabels.put(f.substring(16), v);
                }
            }
            // Points of all members by period end, then one reduced point per period.
            Map<Instant, List<Pt>> byEnd = new TreeMap<>();
            members.forEach(s -> s.points().forEach(p -> byEnd.computeIfAbsent(p.end(), e -> new ArrayList<>()).add(p)));
            List<Pt> points = new ArrayList<>();
            byEnd.forEach((end, pts) -> points.add(new Pt(pts.get(0).start(), end,
                    combine(r, pts.stream().map(Pt::value).toList()))));
            out.add(new Series(first.metricType(), Collections.unmodifiableMap(metricLabels), first.resourceType(),
                    Collections.unmodifiableMap(resourceLabels), first.kind(),
                    reducedType(r, first.kind(), first.type()), points));
        });
        return out;
    }

    private static Value combine(Reducer r, List<Value> in) {
        return switch (r) {
            case REDUCE_SUM -> sum(in);
            case REDUCE_COUNT -> Value.of((long) in.size());
            case REDUCE_MEAN -> Value.of(in.stream().mapToDouble(Value::number).average().orElse(0));
            case REDUCE_MIN -> extreme(in, false);
            case REDUCE_MAX -> extreme(in, true);
            // Percentiles of a distribution: of the merged buckets, not an average of per-series ones.
            default -> Value.of(MonitoringEmulator.percentile(sum(in).buckets(), percentile(r.name())));
        };
    }

    /** Canonical group-by field; the API takes {@code resource.label.K} and {@code resource.labels.K} alike. */
    private String groupField(String f) {
        if (f.equals("resource.type") || f.equals("metric.type")) {
            return f;
        }
        return MonitoringFilter.canonical(f, field + ".groupByFields", f);
    }

    private static String fieldValue(Series s, String f) {
        return switch (f) {
            case "resource.type" -> s.resourceType();
            case "metric.type" -> s.metricType();
            default -> f.startsWith("metric.labels.") ? s.metricLabels().get(f.substring(14))
                    : s.resourceLabels().get(f.substring(16));
        };
    }

    // ---- values ------------------------------------------------------------------------------

    private static Value sum(List<Value> in) {
        ValueType t = in.get(0).type();
        if (t == ValueType.DISTRIBUTION) {
            long[] merged = new long[in.get(0).buckets().length];
            for (Value v : in) {
                for (int i = 0; i < merged.length; i++) {
                    merged[i] += v.buckets()[i];
                }
            }
            return Value.distribution(merged);
        }
        return t == ValueType.INT64 ? Value.of(in.stream().mapToLong(Value::int64).sum())
                : Value.of(in.stream().mapToDouble(Value::dbl).sum());
    }

    private static Value extreme(List<Value> in, boolean max) {
        Value best = in.get(0);
        for (Value v : in) {
            if (max ? v.number() > best.number() : v.number() < best.number()) {
                best = v;
            }
        }
        return best;
    }

    private static double percentile(String enumName) {
        return Integer.parseInt(enumName.substring(enumName.length() - 2)) / 100.0;
    }

    private static String seconds(Duration d) {
        return d.getNano() == 0 ? d.getSeconds() + "s" : d.toMillis() / 1000.0 + "s";
    }

    private StatusRuntimeException invalid(String part, String value, String why) {
        return Status.INVALID_ARGUMENT.withDescription("Field " + field + "." + part + " had an invalid value of \""
                + value + "\": " + why).asRuntimeException();
    }
}

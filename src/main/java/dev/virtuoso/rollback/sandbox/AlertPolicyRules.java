package dev.virtuoso.rollback.sandbox;

import com.google.api.MetricDescriptor.MetricKind;
import com.google.api.MetricDescriptor.ValueType;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.AlertPolicy.Condition;
import com.google.monitoring.v3.AlertPolicy.Condition.MetricThreshold;
import com.google.monitoring.v3.ComparisonType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What AlertPolicyService checks on create and update, as far as it is documented or its errors
 * are on record. Sources, quoted where a rule is applied:
 * <ul>
 *   <li>google/monitoring/v3/alert.proto and common.proto (proto-google-cloud-monitoring-v3, also
 *       https://github.com/googleapis/googleapis/tree/master/google/monitoring/v3);</li>
 *   <li>API error texts quoted in public issues: duration "only multiples of 1 minute are
 *       supported" (GoogleCloudPlatform/monitoring-dashboard-samples#179), alignment period "must
 *       be in multiples of one minute" (hashicorp/terraform-provider-google#10893),
 *       evaluation_missing_data "must have a non-zero duration"
 *       (hashicorp/terraform-provider-google#16892), "Cannot set 'name' when creating alert
 *       policy" (pulumi/pulumi-google-native#193), "metric-based alert policies must not specify a
 *       notification rate limit" (chainguard-dev/terraform-infra-common#352).</li>
 * </ul>
 * Not enforced because nothing documents it: a required display name, a combiner for several
 * conditions, bounds on the trigger. Condition types other than MetricThreshold are rejected as
 * unsupported by the sandbox.
 */
final class AlertPolicyRules {
    /** common.proto: "90,000 seconds (25 hours) for alerting policies". */
    static final Duration MAX_ALERT_PERIOD = Duration.ofSeconds(90_000);

    private final Map<String, MetricKind> kinds;
    private final Map<String, ValueType> types;

    AlertPolicyRules(Map<String, MetricKind> kinds, Map<String, ValueType> types) {
        this.kinds = kinds;
        this.types = types;
    }

    void validate(AlertPolicy p, boolean create) {
        if (create && !p.getName().isEmpty()) {
            throw error("Cannot set 'name' when creating alert policy. Tried to set to '" + p.getName() + "'.");
        }
        // "The name is limited to 512 Unicode characters."
        if (p.getDisplayName().codePointCount(0, p.getDisplayName().length()) > 512) {
            throw invalid("alert_policy.display_name", p.getDisplayName(), "the name is limited to 512 characters");
        }
        // "A policy can have from one to six conditions."
        if (p.getConditionsCount() < 1 || p.getConditionsCount() > 6) {
            throw invalid("alert_policy.conditions", p.getConditionsCount() + " conditions",
                    "a policy can have from one to six conditions");
        }
        for (int i = 0; i < p.getConditionsCount(); i++) {
            condition(p.getConditions(i), "alert_policy.conditions[" + i + "]");
        }
        AlertPolicy.Documentation doc = p.getDocumentation();
        // "Presently, only the value "text/markdown" is supported"; "may not exceed 8,192 Unicode characters".
        if (!doc.getMimeType().isEmpty() && !doc.getMimeType().equals("text/markdown")) {
            throw invalid("alert_policy.documentation.mime_type", doc.getMimeType(),
                    "only \"text/markdown\" is supported");
        }
        if (doc.getContent().codePointCount(0, doc.getContent().length()) > 8192) {
            throw invalid("alert_policy.documentation.content", "(" + doc.getContent().length() + " characters)",
                    "the content may not exceed 8,192 characters");
        }
        if (p.getAlertStrategy().hasNotificationRateLimit()) {
            throw invalid("alertStrategy.notificationRateLimit", "period " + p.getAlertStrategy()
                    .getNotificationRateLimit().getPeriod().getSeconds() + "s",
                    "metric-based alert policies must not specify a notification rate limit");
        }
    }

    private void condition(Condition c, String at) {
        if (c.getConditionCase() == Condition.ConditionCase.CONDITION_NOT_SET) {
            throw invalid(at, "{}", "a condition needs one of its condition types");
        }
        if (c.getConditionCase() != Condition.ConditionCase.CONDITION_THRESHOLD) {
            throw invalid(at, c.getConditionCase().name().toLowerCase(java.util.Locale.ROOT),
                    "the sandbox supports only condition_threshold conditions");
        }
        MetricThreshold t = c.getConditionThreshold();
        String th = at + ".condition_threshold";
        // "Required. ... The filter must specify the metric type and the resource type. ...
        // This field must not exceed 2048 Unicode characters in length."
        String metric = filter(t.getFilter(), th + ".filter", true);
        List<Aggregation> num = t.getAggregationsList();
        aggregations(num, metric, th + ".aggregations");
        if (!t.getDenominatorFilter().isEmpty()) {
            // "The filter must specify the metric type and optionally may contain restrictions
            // on resource type, resource labels, and metric labels."
            String denominator = filter(t.getDenominatorFilter(), th + ".denominator_filter", false);
            List<Aggregation> den = t.getDenominatorAggregationsList();
            aggregations(den, denominator, th + ".denominator_aggregations");
            // "When computing ratios, the aggregations and denominator_aggregations fields must
            // use the same alignment period and produce time series that have the same
            // periodicity and labels."
            if (!sameShape(num, den)) {
                throw invalid(th + ".denominator_aggregations", den.size() + " aggregations", "aggregations and "
                        + "denominator_aggregations must use the same alignment period and produce time series "
                        + "with the same periodicity and labels");
            }
        } else if (t.getDenominatorAggregationsCount() > 0) {
            throw invalid(th + ".denominator_aggregations", t.getDenominatorAggregationsCount() + " aggregations",
                    "denominator aggregations need a denominator_filter");
        }
        // "Only COMPARISON_LT and COMPARISON_GT are supported currently."
        if (t.getComparison() != ComparisonType.COMPARISON_GT && t.getComparison() != ComparisonType.COMPARISON_LT) {
            throw invalid(th + ".comparison", t.getComparison().name(),
                    "only COMPARISON_LT and COMPARISON_GT are supported");
        }
        // "Currently, only values that are a multiple of a minute--e.g., 0, 60, 120, or 300
        // seconds--are supported. If an invalid value is given, an error will be returned."
        com.google.protobuf.Duration d = t.getDuration();
        if (d.getSeconds() < 0 || d.getNanos() != 0 || d.getSeconds() % 60 != 0) {
            throw invalid(th + ".duration", seconds(d), "only multiples of 1 minute are supported");
        }
        // "To use this control, the value of the duration field must be greater than or equal to 60 seconds."
        if (t.getEvaluationMissingData() != Condition.EvaluationMissingData.EVALUATION_MISSING_DATA_UNSPECIFIED
                && d.getSeconds() < 60) {
            throw invalid(th + ".evaluation_missing_data", t.getEvaluationMissingData().name(),
                    "Conditions setting evaluation_missing_data must have a non-zero duration.");
        }
        // "The forecast horizon can range from 1 hour to 60 hours."
        if (t.hasForecastOptions()) {
            long h = t.getForecastOptions().getForecastHorizon().getSeconds();
            if (h < 3600 || h > 60 * 3600) {
                throw invalid(th + ".forecast_options.forecast_horizon", h + "s",
                        "the forecast horizon can range from 1 hour to 60 hours");
            }
        }
    }

    /** Parses and checks a condition filter; returns its metric type. */
    private String filter(String filter, String at, boolean resourceTypeRequired) {
        if (filter.isEmpty()) {
            throw invalid(at, "", "a filter is required");
        }
        if (filter.codePointCount(0, filter.length()) > 2048) {
            throw invalid(at, "(" + filter.length() + " characters)", "must not exceed 2048 characters");
        }
        MonitoringFilter f = MonitoringFilter.parse(filter, at);
        String metric = f.get("metric.type");
        if (metric == null || (resourceTypeRequired && f.get("resource.type") == null)) {
            throw invalid(at, filter, resourceTypeRequired ? "the filter must specify the metric type and the "
                    + "resource type" : "the filter must specify the metric type");
        }
        if (!kinds.containsKey(metric)) {
            throw invalid(at, filter, "the sandbox knows only the metrics " + kinds.keySet());
        }
        return metric;
    }

    private void aggregations(List<Aggregation> aggs, String metric, String at) {
        if (aggs.size() > 1) {
            throw invalid(at, aggs.size() + " aggregations", "the sandbox supports one aggregation per filter");
        }
        for (int i = 0; i < aggs.size(); i++) {
            Aggregation a = aggs.get(i);
            String ai = at + "[" + i + "]";
            new TimeSeriesAggregation(a, ai).validate(kinds.get(metric), types.get(metric));
            if (a.getPerSeriesAligner() != Aggregation.Aligner.ALIGN_NONE) {
                com.google.protobuf.Duration p = a.getAlignmentPeriod();
                if (p.getNanos() != 0 || p.getSeconds() % 60 != 0) {
                    throw invalid(ai + ".alignment_period", "{\"seconds\":" + p.getSeconds() + "}",
                            "alignment period must be in multiples of one minute");
                }
                if (p.getSeconds() > MAX_ALERT_PERIOD.getSeconds()) {
                    throw invalid(ai + ".alignment_period", "{\"seconds\":" + p.getSeconds() + "}",
                            "the alignment period of an alerting policy is at most 90,000 seconds (25 hours)");
                }
            }
        }
    }

    private static boolean sameShape(List<Aggregation> a, List<Aggregation> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Aggregation x = a.get(i);
            Aggregation y = b.get(i);
            if (!x.getAlignmentPeriod().equals(y.getAlignmentPeriod())
                    || (x.getCrossSeriesReducer() == Aggregation.Reducer.REDUCE_NONE)
                    != (y.getCrossSeriesReducer() == Aggregation.Reducer.REDUCE_NONE)
                    || !canonical(x.getGroupByFieldsList()).equals(canonical(y.getGroupByFieldsList()))) {
                return false;
            }
        }
        return true;
    }

    private static java.util.Set<String> canonical(List<String> fields) {
        return fields.stream().map(f -> f.replaceFirst("^(metric|resource)\\.label\\.", "$1.labels."))
                .collect(java.util.stream.Collectors.toSet());
    }

    private static String seconds(com.google.protobuf.Duration d) {
        return d.getNanos() == 0 ? d.getSeconds() + "s" : (d.getSeconds() + d.getNanos() / 1e9) + "s";
    }

    private static StatusRuntimeException invalid(String field, String value, String why) {
        return error("Field " + field + " had an invalid value of \"" + value + "\": " + why);
    }

    private static StatusRuntimeException error(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}

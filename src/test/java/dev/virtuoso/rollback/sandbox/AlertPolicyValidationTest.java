package dev.virtuoso.rollback.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.monitoring.v3.AlertPolicyServiceClient;
import com.google.cloud.monitoring.v3.AlertPolicyServiceSettings;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.AlertPolicy.Condition;
import com.google.monitoring.v3.AlertPolicy.Condition.MetricThreshold;
import com.google.monitoring.v3.ComparisonType;
import com.google.monitoring.v3.CreateAlertPolicyRequest;
import com.google.monitoring.v3.UpdateAlertPolicyRequest;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import io.grpc.ManagedChannelBuilder;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** AlertPolicyService create/update through the real client: the API's documented checks. */
class AlertPolicyValidationTest {
    private static final String PROJECT = "projects/" + Sandbox.PROJECT;
    private static final String REQUESTS = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\""
            + Sandbox.SERVICE + "\" AND metric.type=\"run.googleapis.com/request_count\"";
    private static final Aggregation RATE = Aggregation.newBuilder().setAlignmentPeriod(Durations.fromSeconds(60))
            .setPerSeriesAligner(Aggregation.Aligner.ALIGN_RATE).setCrossSeriesReducer(Aggregation.Reducer.REDUCE_SUM)
            .addGroupByFields("resource.label.service_name").build();

    private Sandbox sandbox;
    private AlertPolicyServiceClient client;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(Sandbox.Options.defaults());
        client = AlertPolicyServiceClient.create(AlertPolicyServiceSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setTransportChannelProvider(AlertPolicyServiceSettings.defaultGrpcTransportProviderBuilder()
                        .setEndpoint(sandbox.cloudRunHost()).setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
                        .build())
                .build());
    }

    @AfterEach
    void stop() {
        client.close();
        sandbox.close();
    }

    /** The shape the product writes: 5xx rate over all requests' rate, per service, for 5 minutes. */
    private static AlertPolicy valid() {
        return AlertPolicy.newBuilder().setDisplayName("Auto Rollback on High Error Rate")
                .setCombiner(AlertPolicy.ConditionCombinerType.OR)
                .setDocumentation(AlertPolicy.Documentation.newBuilder().setContent("Roll back.").setMimeType("text/markdown"))
                .addConditions(Condition.newBuilder().setDisplayName("5xx ratio > 50% for 5m")
                        .setConditionThreshold(MetricThreshold.newBuilder()
                                .setFilter(REQUESTS + " AND metric.labels.response_code_class=\"5xx\"").addAggregations(RATE)
                                .setDenominatorFilter(REQUESTS).addDenominatorAggregations(RATE)
                                .setComparison(ComparisonType.COMPARISON_GT).setThresholdValue(0.5)
                                .setDuration(Durations.fromSeconds(300))
                                .setTrigger(Condition.Trigger.newBuilder().setCount(1))))
                .build();
    }

    private static AlertPolicy threshold(UnaryOperator<MetricThreshold.Builder> change) {
        AlertPolicy p = valid();
        return p.toBuilder().setConditions(0, p.getConditions(0).toBuilder().setConditionThreshold(
                change.apply(p.getConditions(0).getConditionThreshold().toBuilder()))).build();
    }

    private static Aggregation rate(UnaryOperator<Aggregation.Builder> change) {
        return change.apply(RATE.toBuilder()).build();
    }

    @Test
    void theProductsPolicyShapeIsAcceptedAndStoredAsTheApiStoresIt() {
        AlertPolicy created = client.createAlertPolicy(PROJECT, valid());
        assertThat(created.getName()).startsWith(PROJECT + "/alertPolicies/");
        assertThat(created.getConditions(0).getName()).startsWith(created.getName() + "/conditions/");
        assertThat(created.getEnabled().getValue()).isTrue();
        assertThat(client.getAlertPolicy(created.getName())).isEqualTo(created);
        AlertPolicy updated = client.updateAlertPolicy(UpdateAlertPolicyRequest.newBuilder()
                .setAlertPolicy(created.toBuilder().setDisplayName("renamed")).build());
        assertThat(updated.getDisplayName()).isEqualTo("renamed");
        assertThat(sandbox.monitoring().policyWrites()).isEqualTo(2);
    }

    @Test
    void eachDocumentedRuleIsInvalidArgumentWithTheApisMessageAndWritesNothing() {
        record Case(AlertPolicy policy, String message) {
        }
        Condition condition = valid().getConditions(0);
        List<Case> cases = List.of(
                new Case(threshold(t -> t.setDuration(Durations.fromSeconds(30))),
                        "duration had an invalid value of \"30s\": only multiples of 1 minute are supported"),
                new Case(threshold(t -> t.setDuration(Durations.fromSeconds(90))), "only multiples of 1 minute"),
                new Case(valid().toBuilder().clearConditions().build(), "from one to six conditions"),
                new Case(valid().toBuilder().addConditions(condition).addConditions(condition).addConditions(condition)
                        .addConditions(condition).addConditions(condition).addConditions(condition).build(),
                        "from one to six conditions"),
                new Case(threshold(t -> t.setFilter("")), "a filter is required"),
                new Case(threshold(t -> t.setFilter("metric.type=\"run.googleapis.com/request_count\"")),
                        "must specify the metric type and the resource type"),
                new Case(threshold(t -> t.setDenominatorFilter("resource.type=\"cloud_run_revision\"")),
                        "must specify the metric type"),
                new Case(threshold(MetricThreshold.Builder::clearDenominatorAggregations),
                        "must use the same alignment period"),
                new Case(threshold(t -> t.clearDenominatorAggregations().addDenominatorAggregations(
                        rate(a -> a.setAlignmentPeriod(Durations.fromSeconds(120))))), "same alignment period"),
                new Case(threshold(t -> t.setAggregations(0, rate(a -> a.setAlignmentPeriod(Durations.fromSeconds(90))))),
                        "alignment period must be in multiples of one minute"),
                new Case(threshold(t -> t.setAggregations(0, rate(a -> a.setAlignmentPeriod(Durations.fromSeconds(30))))),
                        "at least 60 seconds"),
                new Case(threshold(t -> t.setAggregations(0, rate(a -> a.setAlignmentPeriod(Durations.fromSeconds(90_060))))),
                        "at most 90,000 seconds"),
                new Case(threshold(t -> t.setAggregations(0, rate(a -> a.setPerSeriesAligner(
                        Aggregation.Aligner.ALIGN_NONE)))), "ALIGN_NONE"),
                new Case(threshold(t -> t.setComparison(ComparisonType.COMPARISON_GE)),
                        "only COMPARISON_LT and COMPARISON_GT are supported"),
                new Case(threshold(t -> t.setDuration(Durations.fromSeconds(0)).setEvaluationMissingData(
                        Condition.EvaluationMissingData.EVALUATION_MISSING_DATA_INACTIVE)),
                        "Conditions setting evaluation_missing_data must have a non-zero duration."),
                new Case(valid().toBuilder().setName(PROJECT + "/alertPolicies/mine").build(),
                        "Cannot set 'name' when creating alert policy"),
                new Case(valid().toBuilder().setDocumentation(AlertPolicy.Documentation.newBuilder().setContent("x")
                        .setMimeType("text/html")).build(), "only \"text/markdown\" is supported"));
        for (Case c : cases) {
            assertThatThrownBy(() -> client.createAlertPolicy(CreateAlertPolicyRequest.newBuilder().setName(PROJECT)
                    .setAlertPolicy(c.policy()).build())).as(c.message())
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getStatusCode().getCode())
                            .isEqualTo(StatusCode.Code.INVALID_ARGUMENT))
                    .hasMessageContaining(c.message());
        }
        assertThat(sandbox.monitoring().policyWrites()).isZero();
        assertThat(sandbox.monitoring().policies()).isEmpty();
    }

    @Test
    void anUpdateIsValidatedTooAndAnUpdateMaskIsRefusedAsUnsupported() {
        AlertPolicy created = client.createAlertPolicy(PROJECT, valid());
        AlertPolicy thirtySeconds = threshold(t -> t.setDuration(Durations.fromSeconds(30))).toBuilder()
                .setName(created.getName()).build();
        assertThatThrownBy(() -> client.updateAlertPolicy(UpdateAlertPolicyRequest.newBuilder()
                .setAlertPolicy(thirtySeconds).build())).hasMessageContaining("only multiples of 1 minute");
        assertThatThrownBy(() -> client.updateAlertPolicy(UpdateAlertPolicyRequest.newBuilder()
                .setAlertPolicy(created).setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build()))
                .hasMessageContaining("updateMask").hasMessageContaining("not supported by the sandbox");
        assertThatThrownBy(() -> client.updateAlertPolicy(UpdateAlertPolicyRequest.newBuilder()
                .setAlertPolicy(valid().toBuilder().setName(PROJECT + "/alertPolicies/nope")).build()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getStatusCode().getCode())
                        .isEqualTo(StatusCode.Code.NOT_FOUND));
        assertThat(client.getAlertPolicy(created.getName())).isEqualTo(created);
        assertThat(sandbox.monitoring().policyWrites()).isEqualTo(1);
    }
}

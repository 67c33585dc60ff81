package dev.virtuoso.rollback.adapter.gcp;

import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.ComparisonType;
import com.google.monitoring.v3.ListAlertPoliciesRequest;
import com.google.monitoring.v3.ListNotificationChannelsRequest;
import com.google.monitoring.v3.NotificationChannel;
import com.google.monitoring.v3.ProjectName;
import com.google.protobuf.BoolValue;
import com.google.protobuf.util.Durations;
import dev.virtuoso.rollback.model.AlertPolicySpec;
import dev.virtuoso.rollback.port.AlertPolicies;
import java.time.Duration;
import java.util.Optional;

/** {@link AlertPolicies} over Cloud Monitoring's AlertPolicyServiceClient. */
public final class MonitoringAlertPolicies implements AlertPolicies {
    private static final String API = "Cloud Monitoring";
    /** The channel type that publishes incidents to a Pub/Sub topic, named by its label {@code topic}. */
    private static final String PUBSUB = "pubsub";
    /** Both sides of the ratio: requests per second, summed over the service's revisions. */
    private static final Aggregation PER_SERVICE_RATE = Aggregation.newBuilder()
            .setAlignmentPeriod(Durations.fromSeconds(60))
            .setPerSeriesAligner(Aggregation.Aligner.ALIGN_RATE)
            .setCrossSeriesReducer(Aggregation.Reducer.REDUCE_SUM)
            .addGroupByFields("resource.label.service_name")
            .build();

    private final GcpClients clients;

    public MonitoringAlertPolicies(GcpClients clients) {
        this.clients = clients;
    }

    @Override
    public Optional<AlertPolicySpec> find(String project, String displayName) {
        try {
            for (AlertPolicy p : clients.alertPolicies().listAlertPolicies(ListAlertPoliciesRequest.newBuilder()
                    .setName(ProjectName.of(project).toString())
                    .setFilter("display_name=\"" + displayName + "\"").build()).iterateAll()) {
                // The filter narrows the list where the server supports it; the name decides.
                if (p.getDisplayName().equals(displayName)) {
                    return Optional.of(toSpec(p));
                }
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "alert policies of projects/" + project, e);
        }
    }

    @Override
    public AlertPolicySpec create(String project, AlertPolicySpec spec) {
        try {
            return toSpec(clients.alertPolicies().createAlertPolicy(ProjectName.of(project), toProto(spec)));
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "new alert policy in projects/" + project, e);
        }
    }

    @Override
    public AlertPolicySpec update(AlertPolicySpec spec) {
        try {
            return toSpec(clients.alertPolicies().updateAlertPolicy(com.google.monitoring.v3.UpdateAlertPolicyRequest.newBuilder()
                    .setAlertPolicy(toProto(spec)).build()));
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "alert policy " + spec.name(), e);
        }
    }

    @Override
    public void delete(String name) {
        try {
            clients.alertPolicies().deleteAlertPolicy(name);
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "alert policy " + name, e);
        }
    }

    @Override
    public Optional<String> pubSubChannel(String project, String topic) {
        try {
            for (NotificationChannel c : clients.notificationChannels().listNotificationChannels(
                    ListNotificationChannelsRequest.newBuilder().setName(ProjectName.of(project).toString())
                            .setFilter("type=\"" + PUBSUB + "\"").build()).iterateAll()) {
                // The filter narrows the list where the server supports it; type and topic decide.
                if (PUBSUB.equals(c.getType()) && topic.equals(c.getLabelsMap().get("topic"))) {
                    return Optional.of(c.getName());
                }
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "notification channels of projects/" + project, e);
        }
    }

    @Override
    public String createPubSubChannel(String project, String topic) {
        try {
            return clients.notificationChannels().createNotificationChannel(ProjectName.of(project),
                    NotificationChannel.newBuilder().setType(PUBSUB).putLabels("topic", topic)
                            .setDisplayName("rollback respond: " + topic)
                            .setDescription("Incidents of \"" + AlertPolicySpec.DISPLAY_NAME + "\" for `rollback "
                                    + "respond --serve`, through a push subscription of this topic")
                            .setEnabled(BoolValue.of(true)).build()).getName();
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "new Pub/Sub notification channel for " + topic, e);
        }
    }

    static AlertPolicy toProto(AlertPolicySpec s) {
        AlertPolicy.Builder b = AlertPolicy.newBuilder().setDisplayName(s.displayName())
                .setCombiner(AlertPolicy.ConditionCombinerType.OR)
                .setEnabled(BoolValue.of(true))
                .setDocumentation(AlertPolicy.Documentation.newBuilder().setContent(s.documentation())
                        .setMimeType("text/markdown"))
                .addConditions(AlertPolicy.Condition.newBuilder().setDisplayName(s.conditionName())
                        .setConditionThreshold(AlertPolicy.Condition.MetricThreshold.newBuilder()
                                .setFilter(s.filter()).addAggregations(PER_SERVICE_RATE)
                                .setDenominatorFilter(s.denominatorFilter()).addDenominatorAggregations(PER_SERVICE_RATE)
                                .setComparison(ComparisonType.COMPARISON_GT)
                                .setThresholdValue(s.threshold())
                                .setDuration(Durations.fromSeconds(s.duration().toSeconds()))
                                .setTrigger(AlertPolicy.Condition.Trigger.newBuilder().setCount(1))))
                .addAllNotificationChannels(s.channels());
        if (s.name() != null) {
            b.setName(s.name());
        }
        return b.build();
    }

    static AlertPolicySpec toSpec(AlertPolicy p) {
        AlertPolicy.Condition c = p.getConditionsCount() > 0 ? p.getConditions(0) : AlertPolicy.Condition.getDefaultInstance();
        AlertPolicy.Condition.MetricThreshold t = c.getConditionThreshold();
        return new AlertPolicySpec(p.getName(), p.getDisplayName(), c.getDisplayName(), t.getFilter(),
                t.getDenominatorFilter(), t.getThresholdValue(), Duration.ofSeconds(t.getDuration().getSeconds()),
                p.getNotificationChannelsList(), p.getDocumentation().getContent());
    }
}

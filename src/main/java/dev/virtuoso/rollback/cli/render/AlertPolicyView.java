package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.model.AlertPolicySpec;
import java.io.PrintWriter;

/** `alert-policy` without --apply: the policy it would create, in the YAML shape of Cloud Monitoring's. */
public final class AlertPolicyView {
    private AlertPolicyView() {
    }

    public static int print(Output o, AlertPolicySpec p) {
        if (o.json()) {
            return o.document(true, p, 0);
        }
        PrintWriter out = o.out();
        out.println("# Cloud Monitoring alert policy (apply with --apply)");
        out.println("displayName: \"" + p.displayName() + "\"");
        out.println("combiner: OR");
        out.println("conditions:");
        out.println("  - displayName: \"" + p.conditionName() + "\"");
        out.println("    conditionThreshold:");
        out.println("      filter: '" + p.filter() + "'");
        out.println("      denominatorFilter: '" + p.denominatorFilter() + "'");
        out.println("      aggregations / denominatorAggregations: {alignmentPeriod: 60s, perSeriesAligner: ALIGN_RATE, "
                + "crossSeriesReducer: REDUCE_SUM, groupByFields: [resource.label.service_name]}");
        out.println("      comparison: COMPARISON_GT");
        out.println("      thresholdValue: " + p.threshold());
        out.println("      duration: " + p.duration().toSeconds() + "s");
        out.println("notificationChannels: " + p.channels());
        out.println("documentation: \"" + p.documentation() + "\"");
        out.flush();
        return 0;
    }
}

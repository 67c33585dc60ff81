package dev.virtuoso.rollback.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.config.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The written runbook's "Auto Rollback on High Error Rate" policy: the ratio of 5xx to all
 * requests (a numerator and a denominator filter) above a threshold for a duration. A policy
 * only notifies: something has to run `rollback watch --auto` or the tool on that signal.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AlertPolicySpec(String name, String displayName, String conditionName, String filter,
                              String denominatorFilter, double threshold, Duration duration, List<String> channels,
                              String documentation) {
    public static final String DISPLAY_NAME = "Auto Rollback on High Error Rate";
    private static final Pattern CHANNEL = Pattern.compile("projects/[^/\\s]+/notificationChannels/[^/\\s]+");
    private static final Pattern FULL_TOPIC = Pattern.compile("projects/([a-z][a-z0-9-]{4,28}[a-z0-9])/topics/([^/]+)");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z][A-Za-z0-9._~+%-]{2,254}");

    public AlertPolicySpec {
        channels = List.copyOf(channels);
    }

    /**
     * A condition's duration is whole minutes (alert.proto, MetricThreshold.duration: "only multiples
     * of 1 minute are supported"): {@code sustain} is rounded up to the next one.
     */
    public static Duration wholeMinutes(Duration sustain) {
        return Duration.ofMinutes((sustain.toSeconds() + 59) / 60);
    }

    /**
     * {@code runbook} is the file the policy was made from: its documentation tells the person paged
     * the command for this very service and environment.
     */
    public static AlertPolicySpec forService(ServiceRef s, double threshold, Duration sustain, List<String> channels,
                                             String runbook) {
        Duration duration = wholeMinutes(sustain);
        for (String c : channels) {
            // The API takes channel resource names of the policy's own project, nothing else.
            if (!CHANNEL.matcher(c).matches() || !c.startsWith("projects/" + s.project() + "/")) {
                throw RunbookException.invalid("--channel '" + c + "' is not a notification channel of project "
                        + s.project() + ": give its name, projects/" + s.project() + "/notificationChannels/ID "
                        + "(`gcloud beta monitoring channels list` shows them)");
            }
        }
        String requests = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"" + s.name()
                + "\" AND metric.type=\"run.googleapis.com/request_count\"";
        String percent = String.format(Locale.ROOT, "%.0f%%", threshold * 100);
        return new AlertPolicySpec(null, DISPLAY_NAME, "5xx ratio > " + percent + " for " + Durations.format(duration),
                requests + " AND metric.labels.response_code_class=\"5xx\"", requests, threshold, duration, channels,
                "More than " + percent + " of " + s.name() + " requests answered 5xx for " + Durations.format(duration)
                        + ". Roll back: `rollback " + (runbook != null ? "-r " + runbook : "--project " + s.project()
                        + " --region " + s.region() + " --service " + s.name()) + " quick --previous`.");
    }

    /**
     * A Pub/Sub topic as the notification channel names it, projects/P/topics/T, from that or from T
     * alone (in {@code project}); exit 2 for anything that is not a topic name Pub/Sub allows (3 to 255
     * letters, digits and {@code -_.~+%}, starting with a letter, not with "goog").
     */
    public static String topic(String given, String project) {
        Matcher full = FULL_TOPIC.matcher(given);
        String name = full.matches() ? full.group(2) : given;
        if (!TOPIC.matcher(name).matches() || name.toLowerCase(Locale.ROOT).startsWith("goog")) {
            throw RunbookException.invalid("--pubsub-topic '" + given + "' is not a Pub/Sub topic: give "
                    + "projects/PROJECT/topics/TOPIC or TOPIC (3 to 255 letters, digits and -_.~+%, starting with a "
                    + "letter, not with goog)");
        }
        return full.matches() ? given : "projects/" + project + "/topics/" + name;
    }

    /** The same policy, also notifying {@code channel}. */
    public AlertPolicySpec withChannel(String channel) {
        if (channels.contains(channel)) {
            return this;
        }
        List<String> all = new java.util.ArrayList<>(channels);
        all.add(channel);
        return new AlertPolicySpec(name, displayName, conditionName, filter, denominatorFilter, threshold, duration, all,
                documentation);
    }

    public AlertPolicySpec named(String n) {
        return new AlertPolicySpec(n, displayName, conditionName, filter, denominatorFilter, threshold, duration,
                channels, documentation);
    }

    /** Same policy apart from its server-assigned name. */
    public boolean sameAs(AlertPolicySpec other) {
        return other != null && named(null).equals(other.named(null));
    }
}

package dev.virtuoso.rollback.sandbox;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of the Monitoring filter language (https://cloud.google.com/monitoring/api/v3/filters)
 * the sandbox understands: {@code key = "value"} clauses joined by {@code AND}, on
 * {@code metric.type}, {@code resource.type} and labels. The API spells a label both
 * {@code resource.label.K} and {@code resource.labels.K} (likewise {@code metric.}); both name the
 * same label here. OR, NOT, parentheses, other operators (!=, :, &lt;, starts_with, regex
 * functions) and other selectors (project, group.id, metadata) are rejected with
 * INVALID_ARGUMENT rather than misread as something narrower or wider.
 */
final class MonitoringFilter {
    private static final Pattern KEY = Pattern.compile("(metric|resource)\\.(type|labels?\\.([a-z_][a-z0-9_]*))");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    /** Canonical key ({@code metric.type}, {@code resource.labels.K}, ...) → value. */
    private final Map<String, String> clauses;

    private MonitoringFilter(Map<String, String> clauses) {
        this.clauses = Map.copyOf(clauses);
    }

    static MonitoringFilter parse(String filter, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = skip(filter, 0);
        if (i == filter.length()) {
            throw invalid(field, filter, "a filter is required");
        }
        while (true) {
            Matcher w = WORD.matcher(filter).region(i, filter.length());
            if (!w.lookingAt()) {
                throw unsupported(field, filter, i);
            }
            String word = w.group();
            if (word.equals("AND") || word.equals("OR") || word.equals("NOT")) {
                throw unsupported(field, filter, i);
            }
            String key = canonical(word, field, filter);
            i = skip(filter, w.end());
            if (i >= filter.length() || filter.charAt(i) != '=') {
                throw unsupported(field, filter, i);
            }
            i = skip(filter, i + 1);
            if (i >= filter.length() || filter.charAt(i) != '"') {
                throw unsupported(field, filter, i);
            }
            int close = filter.indexOf('"', i + 1);
            if (close < 0) {
                throw invalid(field, filter, "unterminated string at offset " + i);
            }
            String value = filter.substring(i + 1, close);
            if (value.contains("\\")) {
                throw unsupported(field, filter, i);
            }
            String before = out.put(key, value);
            if (before != null && !before.equals(value)) {
                // Two different values for one key AND-ed together match nothing; say so instead.
                throw invalid(field, filter, key + " is given two different values");
            }
            i = skip(filter, close + 1);
            if (i == filter.length()) {
                return new MonitoringFilter(out);
            }
            Matcher and = WORD.matcher(filter).region(i, filter.length());
            if (!and.lookingAt() || !and.group().equals("AND") || and.end() == filter.length()
                    || !Character.isWhitespace(filter.charAt(and.end()))) {
                throw unsupported(field, filter, i);
            }
            i = skip(filter, and.end());
        }
    }

    /** {@code resource.label.K} and {@code resource.labels.K} are one key; so are the metric ones. */
    static String canonical(String key, String field, String text) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            throw invalid(field, text, "'" + key + "' is not supported by the sandbox (it knows metric.type, "
                    + "resource.type, metric.labels.KEY and resource.labels.KEY)");
        }
        return m.group(3) == null ? m.group(1) + ".type" : m.group(1) + ".labels." + m.group(3);
    }

    String get(String canonicalKey) {
        return clauses.get(canonicalKey);
    }

    /** Whether a series with this metric type, resource type and labels matches every clause. */
    boolean matches(String metricType, String resourceType, Map<String, String> metricLabels,
                    Map<String, String> resourceLabels) {
        for (Map.Entry<String, String> c : clauses.entrySet()) {
            String k = c.getKey();
            String actual = switch (k) {
                case "metric.type" -> metricType;
                case "resource.type" -> resourceType;
                default -> k.startsWith("metric.labels.") ? metricLabels.get(k.substring(14))
                        : resourceLabels.get(k.substring(16));
            };
            if (!c.getValue().equals(actual)) {
                return false;
            }
        }
        return true;
    }

    private static int skip(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static StatusRuntimeException unsupported(String field, String filter, int at) {
        String found = at >= filter.length() ? "the end of the filter" : "'" + filter.substring(at,
                Math.min(filter.length(), at + 20)) + "'";
        return invalid(field, filter, "the sandbox understands only key = \"value\" clauses joined by AND; found "
                + found + " at offset " + at);
    }

    private static StatusRuntimeException invalid(String field, String filter, String why) {
        return Status.INVALID_ARGUMENT.withDescription("Field " + field + " had an invalid value of \"" + filter + "\": "
                + why).asRuntimeException();
    }
}

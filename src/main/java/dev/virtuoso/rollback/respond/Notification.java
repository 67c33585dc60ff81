package dev.virtuoso.rollback.respond;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Cloud Monitoring incident notification, as a webhook channel posts it ({@code {"version": "1.2",
 * "incident": {...}}}) or as a Pub/Sub channel publishes it, delivered by a push subscription inside
 * an envelope whose {@code message.data} is that same JSON in base64. Only what deciding needs is
 * kept: the incident's id, its policy, whether it is open, and the resource's labels (for a Cloud
 * Run revision: {@code project_id}, {@code service_name}, {@code location}, {@code revision_name}).
 */
public record Notification(String id, String policy, boolean open, Map<String, String> labels) {
    /** Incident ids are short and printable ("0.opqiw61fsv7p"); anything else is not one. */
    private static final Pattern ID = Pattern.compile("[\\x21-\\x7e]{1,200}");

    /** Reads {@code text} (where it came from: {@code source}); exit 2 naming what is wrong. */
    public static Notification parse(String text, String source) {
        if (text == null || text.isBlank()) {
            throw invalid(source + " is empty: expected a Cloud Monitoring incident notification (JSON)");
        }
        JsonNode root = tree(text, source);
        JsonNode message = root.get("message");
        if (message != null) {
            // A Pub/Sub push envelope: the notification is message.data, base64-encoded.
            JsonNode data = message.get("data");
            if (data == null || !data.isTextual()) {
                throw invalid(source + " is a Pub/Sub envelope without message.data (the notification, base64)");
            }
            String inner;
            try {
                inner = new String(Base64.getDecoder().decode(data.asText().strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw invalid("message.data of the Pub/Sub envelope in " + source + " is not base64");
            }
            return of(tree(inner, "message.data of " + source), "message.data of " + source);
        }
        return of(root, source);
    }

    private static Notification of(JsonNode root, String source) {
        JsonNode version = root.get("version");
        if (version != null && !version.asText().startsWith("1.")) {
            throw invalid(source + " has version \"" + printable(version.asText())
                    + "\": only Cloud Monitoring's notification versions 1.x are understood");
        }
        JsonNode incident = root.get("incident");
        if (incident == null || !incident.isObject()) {
            throw invalid(source + " has no \"incident\" object: not a Cloud Monitoring incident notification");
        }
        String id = text(incident, "incident_id");
        if (id == null || !ID.matcher(id).matches()) {
            throw invalid(source + " has " + (id == null ? "no incident.incident_id" : "an incident.incident_id that "
                    + "is not a printable word of at most 200 characters"));
        }
        String state = text(incident, "state");
        if (!"open".equals(state) && !"closed".equals(state)) {
            throw invalid(source + ": incident.state must be \"open\" or \"closed\", not "
                    + (state == null ? "missing" : "\"" + printable(state) + "\""));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode resource = incident.get("resource");
        JsonNode given = resource == null ? null : resource.get("labels");
        if (given != null && !given.isNull()) {
            if (!given.isObject()) {
                throw invalid(source + ": incident.resource.labels must be an object");
            }
            given.fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        }
        String policy = text(incident, "policy_name");
        return new Notification(id, policy == null || policy.isBlank() ? "no policy name" : printable(policy), "open".equals(state),
                Map.copyOf(labels));
    }

    /** "incident 0.abc (Auto Rollback on High Error Rate)". */
    public String label() {
        return "incident " + id + " (" + policy + ")";
    }

    /**
     * The resource the incident is about, when its labels name another service than {@code service}
     * (another name, region or project); empty when they name this one, or do not say.
     */
    public Optional<String> otherThan(ServiceRef service) {
        String[][] pairs = {{"project_id", service.project()}, {"location", service.region()},
            {"service_name", service.name()}};
        for (String[] p : pairs) {
            String named = labels.get(p[0]);
            if (named != null && !named.isBlank() && !named.equals(p[1])) {
                return Optional.of("projects/" + printable(labels.getOrDefault("project_id", service.project()))
                        + "/locations/" + printable(labels.getOrDefault("location", service.region())) + "/services/"
                        + printable(labels.getOrDefault("service_name", service.name())));
            }
        }
        return Optional.empty();
    }

    private static JsonNode tree(String text, String source) {
        try {
            JsonNode node = Json.mapper().readTree(text);
            if (node == null || !node.isObject()) {
                throw invalid(source + " is not a JSON object: expected a Cloud Monitoring incident notification");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw invalid(source + " is not JSON" + (e.getLocation() == null ? "" : " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }

    /** What a notification says, shown on one line: no control characters, not too long. */
    private static String printable(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", " ");
        return clean.length() > 120 ? clean.substring(0, 120) + "…" : clean;
    }

    private static RunbookException invalid(String message) {
        return RunbookException.invalid(message + "; nothing was changed");
    }
}

package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads and validates a runbook file; every problem is an exit-2 error naming the key and line. */
public final class RunbookLoader {
    private static final Pattern TAG_SAFE_PATH = Pattern.compile("/[^\\s]*");
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    private final ObjectMapper yaml = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .addModule(new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer()))
            .build();

    public Runbook load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw RunbookException.invalid("runbook " + file + " not found");
        } catch (IOException e) {
            throw RunbookException.invalid("cannot read runbook " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public Runbook parse(String source, String text) {
        Runbook runbook;
        Map<String, Integer> lines = lines(text);
        try {
            runbook = yaml.readValue(text, Runbook.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw error(source, line(lines, path(e), e), "unknown key '" + path(e) + "' (known here: " + known + ")");
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof JsonProcessingException parse) {
                throw error(source, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                        "not valid YAML: " + parse.getOriginalMessage().split("\n")[0]);
            }
            throw error(source, line(lines, path(e), e), "bad value for '" + path(e) + "': " + expected(e));
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw error(source, line, "not valid YAML: " + e.getOriginalMessage().split("\n")[0]);
        }
        if (runbook == null) {
            throw error(source, 0, "the file is empty");
        }
        new Validator(source, lines).validate(runbook);
        return runbook;
    }

    /** What the key wants, in the runbook's words rather than Java types. */
    private static String expected(JsonMappingException e) {
        Class<?> type = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m ? m.getTargetType() : null;
        if (type == null || type == Duration.class) {
            return e.getOriginalMessage().split("\n")[0];
        }
        if (type.isRecord()) {
            return "expected a block of keys";
        }
        if (List.class.isAssignableFrom(type)) {
            return "expected a list";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "expected a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "expected a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "expected true or false";
        }
        return "expected text";
    }

    private static int line(Map<String, Integer> lines, String path, JsonMappingException e) {
        Integer line = lines.get(path);
        return line != null ? line : e.getLocation() == null ? 0 : e.getLocation().getLineNr();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    static RunbookException error(String source, int line, String message) {
        return RunbookException.invalid("runbook " + source + (line > 0 ? " line " + line : "") + ": " + message);
    }

    /** Line of each key path ("checks.health[1].path"), so later checks can point at the line too. */
    private Map<String, Integer> lines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = yaml.getFactory().createParser(text)) {
            Deque<Scope> scopes = new ArrayDeque<>();
            String field = "";
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                Scope parent = scopes.peek();
                String here = parent == null ? "" : parent.child(field);
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    lines.putIfAbsent(parent.child(field), p.currentTokenLocation().getLineNr());
                } else if (t.isStructStart()) {
                    lines.putIfAbsent(here, p.currentTokenLocation().getLineNr());
                    scopes.push(new Scope(here, t == JsonToken.START_ARRAY));
                } else if (t.isStructEnd()) {
                    scopes.pop();
                    if (!scopes.isEmpty()) {
                        scopes.peek().next();
                    }
                } else if (parent != null) {
                    lines.putIfAbsent(here, p.currentTokenLocation().getLineNr());
                    parent.next();
                }
            }
        } catch (IOException e) {
            // Already parsed once above; a second failure can only lose line numbers.
        }
        return lines;
    }

    private static final class Scope {
        private final String path;
        private final boolean array;
        private int index;

        Scope(String path, boolean array) {
            this.path = path;
            this.array = array;
        }

        String child(String field) {
            if (array) {
                return path + "[" + index + "]";
            }
            return path.isEmpty() ? field : path + "." + field;
        }

        void next() {
            if (array) {
                index++;
            }
        }
    }

    /** Rules a type cannot express: ranges, exclusive choices, required keys. */
    private record Validator(String source, Map<String, Integer> lines) {
        void validate(Runbook r) {
            check(Runbook.API_VERSION.equals(r.apiVersion()), "apiVersion",
                    "must be " + Runbook.API_VERSION + ", not '" + r.apiVersion() + "'");
            check(r.service().name() != null && !r.service().name().isBlank(), "service.name", "is required");
            if (r.service().url() != null) {
                check(r.service().url().matches("https?://[^\\s/]+(/[^\\s]*)?"), "service.url",
                        "must be an http(s) URL, not '" + r.service().url() + "'");
            }
            secret(r.apiKey(), "apiKey");
            secret(r.notifications().slackWebhook(), "notify.slackWebhook");
            positive(r.checks().timeout(), "checks.timeout");
            check(r.checks().retries() >= 0 && r.checks().retries() <= 10, "checks.retries", "must be 0..10");
            checks(r.checks().health(), "checks.health");
            checks(r.checks().functional(), "checks.functional");
            Runbook.Triggers t = r.triggers();
            check(between(t.errorRate()), "triggers.errorRate", "must be a fraction between 0 and 1");
            positive(t.p95Latency(), "triggers.p95Latency");
            positive(t.window(), "triggers.window");
            check(t.minRequests() >= 0, "triggers.minRequests", "must not be negative");
            check(!t.sustain().isNegative(), "triggers.sustain", "must not be negative");
            check(t.sustain().getNano() == 0, "triggers.sustain", "must be whole seconds");
            check(!r.decisionMatrix().isEmpty(), "decisionMatrix", "needs at least one row");
            for (int i = 0; i < r.decisionMatrix().size(); i++) {
                Runbook.DecisionRow row = r.decisionMatrix().get(i);
                String key = "decisionMatrix[" + i + "]";
                check(row.severity() != null && row.action() != null && row.within() != null, key,
                        "needs severity, minErrorRate, action and within");
                check(row.minErrorRate() != null && between(row.minErrorRate()), key + ".minErrorRate",
                        "must be a fraction between 0 and 1");
                positive(row.within(), key + ".within");
                check(i == 0 || row.minErrorRate() < r.decisionMatrix().get(i - 1).minErrorRate(), key,
                        "rows must be ordered by minErrorRate, highest first");
            }
        }

        private void checks(List<Runbook.HttpCheck> checks, String key) {
            for (int i = 0; i < checks.size(); i++) {
                Runbook.HttpCheck c = checks.get(i);
                String at = key + "[" + i + "]";
                check(c.path() != null && TAG_SAFE_PATH.matcher(c.path()).matches(), at + ".path",
                        "must start with '/' and contain no spaces");
                check(METHODS.contains(c.method()), at + ".method", "must be one of " + METHODS);
                check(c.expectStatus() == null || (c.expectStatus() >= 100 && c.expectStatus() <= 599),
                        at + ".expectStatus", "must be an HTTP status 100..599");
            }
        }

        private void secret(Runbook.SecretSource s, String key) {
            if (s != null) {
                check((s.env() == null) != (s.secret() == null), key, "needs exactly one of 'env' or 'secret'");
            }
        }

        private void positive(Duration d, String key) {
            check(!d.isZero() && !d.isNegative(), key, "must be positive");
        }

        private static boolean between(double fraction) {
            return fraction >= 0 && fraction <= 1;
        }

        private void check(boolean ok, String key, String message) {
            if (!ok) {
                throw error(source, line(key), "'" + key + "' " + message);
            }
        }

        private int line(String key) {
            for (String k = key; !k.isEmpty(); k = k.replaceAll("(\\.[^.\\[]*|\\[\\d+])$", "")) {
                Integer line = lines.get(k);
                if (line != null) {
                    return line;
                }
                if (!k.contains(".") && !k.contains("[")) {
                    break;
                }
            }
            return 0;
        }
    }

    private static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return Duration.ofSeconds(p.getLongValue());
            }
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }
}

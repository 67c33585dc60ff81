package dev.virtuoso.rollback.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A runbook file: one service in one environment and how to check,
 * judge and restore it. Every block but {@code service} has the defaults of the spec.
 */
public record Runbook(
        String apiVersion,
        ServiceConfig service,
        SecretSource apiKey,
        Checks checks,
        Triggers triggers,
        List<DecisionRow> decisionMatrix,
        Data data,
        @JsonProperty("notify") Notify notifications,
        String journal,
        Boolean askReason) {

    public static final String API_VERSION = "rollback/v1";

    public Runbook {
        apiVersion = Objects.requireNonNullElse(apiVersion, API_VERSION);
        service = Objects.requireNonNullElse(service, new ServiceConfig(null, null, null, null, null));
        checks = Objects.requireNonNullElse(checks, new Checks(null, null, null, null));
        triggers = Objects.requireNonNullElse(triggers, new Triggers(null, null, null, null, null));
        decisionMatrix = decisionMatrix == null ? DecisionRow.DEFAULTS : List.copyOf(decisionMatrix);
        data = Objects.requireNonNullElse(data, new Data(null, null, null));
        notifications = Objects.requireNonNullElse(notifications, new Notify(null, null));
        askReason = Objects.requireNonNullElse(askReason, true);
    }

    /** A runbook with nothing but defaults, for commands run with flags only. */
    public static Runbook empty() {
        return new Runbook(null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * The service; {@code regions} names several regions where the same service runs (a fleet),
     * instead of {@code region}.
     */
    public record ServiceConfig(String project, String region, String name, String url, List<String> regions) {
    }

    /**
     * This runbook for one region of its fleet: the service there, checked at its own URL, since
     * {@code service.url} is one region's; everything else, the shared journal included, as it is.
     */
    public Runbook forRegion(String one) {
        return new Runbook(apiVersion, new ServiceConfig(service.project(), one, service.name(), null, null), apiKey,
                checks, triggers, decisionMatrix, data, notifications, journal, askReason);
    }

    /** Where a secret value comes from: an environment variable or a Secret Manager secret. */
    public record SecretSource(String env, String secret) {
    }

    // A duration is written as the flags write it (5m, 1h30m) or in whole seconds, not in ISO-8601.
    public record Checks(@JsonDeserialize(using = RunbookLoader.DurationDeserializer.class) Duration timeout,
                         Integer retries, List<HttpCheck> health, List<HttpCheck> functional) {
        public static final List<HttpCheck> DEFAULT_HEALTH = List.of(
                HttpCheck.get("/health"), HttpCheck.get("/health?detailed=true"), HttpCheck.get("/health/ready"));

        public Checks {
            timeout = Objects.requireNonNullElse(timeout, Duration.ofSeconds(10));
            retries = Objects.requireNonNullElse(retries, 2);
            health = health == null ? DEFAULT_HEALTH : List.copyOf(health);
            functional = functional == null ? List.of() : List.copyOf(functional);
        }
    }

    /**
     * One HTTP check. Health checks usually give only {@code path}. {@code idempotent}: sending it
     * twice does what sending it once does, so it may be retried whatever its method.
     */
    public record HttpCheck(String name, String method, String path, Boolean auth, String body, Integer expectStatus,
                            Boolean idempotent) {
        /** RFC 9110 9.2.2: the methods whose effect is the same sent once or twice. */
        private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

        public HttpCheck {
            method = Objects.requireNonNullElse(method, "GET");
            auth = Objects.requireNonNullElse(auth, false);
            idempotent = Objects.requireNonNullElse(idempotent, false);
            name = name != null ? name : path; // both may be missing: the loader then names the missing path
        }

        public static HttpCheck get(String path) {
            return new HttpCheck(null, null, path, null, null, null, null);
        }

        /** RFC 9110 9.2.1: a method that asks for no change (GET, HEAD, OPTIONS), which a dry run may send. */
        public boolean readOnly() {
            return Set.of("GET", "HEAD", "OPTIONS").contains(method);
        }

        /** True when it may be sent again after the server may have seen it (a 5xx, a broken connection). */
        public boolean safeToResend() {
            return idempotent || IDEMPOTENT_METHODS.contains(method);
        }

        /** Passes on the expected status, or any 2xx when none is set. */
        public boolean accepts(int status) {
            return expectStatus == null ? status >= 200 && status < 300 : status == expectStatus;
        }
    }

    public record Triggers(Double errorRate,
                           @JsonDeserialize(using = RunbookLoader.DurationDeserializer.class) Duration p95Latency,
                           @JsonDeserialize(using = RunbookLoader.DurationDeserializer.class) Duration window,
                           Long minRequests,
                           @JsonDeserialize(using = RunbookLoader.DurationDeserializer.class) Duration sustain) {
        public Triggers {
            errorRate = Objects.requireNonNullElse(errorRate, 0.20);
            p95Latency = Objects.requireNonNullElse(p95Latency, Duration.ofSeconds(5));
            window = Objects.requireNonNullElse(window, Duration.ofMinutes(5));
            minRequests = Objects.requireNonNullElse(minRequests, 100L);
            sustain = Objects.requireNonNullElse(sustain, Duration.ofSeconds(300));
        }
    }

    /** A row of the written runbook's "Rollback Decision Matrix". */
    public record DecisionRow(String severity, Double minErrorRate, String action,
                              @JsonDeserialize(using = RunbookLoader.DurationDeserializer.class) Duration within) {
        public static final List<DecisionRow> DEFAULTS = List.of(
                new DecisionRow("critical", 0.50, "immediate rollback", Duration.ofMinutes(5)),
                new DecisionRow("high", 0.20, "quick rollback", Duration.ofMinutes(15)),
                new DecisionRow("medium", 0.05, "evaluate then rollback", Duration.ofMinutes(30)),
                new DecisionRow("low", 0.00, "monitor and hotfix", Duration.ofHours(2)));
    }

    public record Data(Firestore firestore, BigQuery bigquery, List<String> secrets) {
        public Data {
            firestore = Objects.requireNonNullElse(firestore, new Firestore(null, null));
            bigquery = Objects.requireNonNullElse(bigquery, new BigQuery(null));
            secrets = secrets == null ? List.of() : List.copyOf(secrets);
        }
    }

    public record Firestore(String database, String backupBucket) {
        public Firestore {
            database = Objects.requireNonNullElse(database, "(default)");
        }
    }

    public record BigQuery(List<String> tables) {
        public BigQuery {
            tables = tables == null ? List.of() : List.copyOf(tables);
        }
    }

    /** Slack through an incoming webhook, or through an app's bot token posting to a channel (threads, files). */
    public record Notify(SecretSource slackWebhook, Slack slack) {
    }

    /** A Slack app's bot token ({@code xoxb-…}) and the channel it posts to: {@code #name} or an ID. */
    public record Slack(SecretSource token, String channel) {
    }
}

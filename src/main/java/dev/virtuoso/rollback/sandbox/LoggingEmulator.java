package dev.virtuoso.rollback.sandbox;

import com.google.api.MonitoredResource;
import com.google.logging.type.HttpRequest;
import com.google.logging.type.LogSeverity;
import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.ListLogEntriesResponse;
import com.google.logging.v2.LogEntry;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloud Logging v2 for the sandbox: the entries the demo service writes as a broken revision
 * answers 5xx, and {@code LoggingServiceV2.ListLogEntries} over them with the filter terms the
 * tool sends (resource type and labels, severity, timestamp bounds, joined by AND), ordered and
 * paged as the API does. Anything else in a filter is refused, so a query the sandbox cannot
 * judge never passes silently.
 *
 * <p>No gRPC stub artifact of the Logging API is published for the client versions in use (the
 * client carries its own call descriptors), so the service is declared here from the proto
 * messages.
 */
final class LoggingEmulator {
    static final String SERVICE = "google.logging.v2.LoggingServiceV2";
    /** The API's page when none is asked, and the largest it answers. */
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 1000;
    private static final Pattern TERM = Pattern.compile(
            "(resource\\.type|resource\\.labels\\.[a-z_]+|severity|timestamp|logName)\\s*(>=|<=|=|>|<)\\s*(\"[^\"]*\"|[A-Z]+)");
    private static final Pattern PROJECT = Pattern.compile("projects/([^/]+)");

    private static final MethodDescriptor<ListLogEntriesRequest, ListLogEntriesResponse> LIST =
            MethodDescriptor.<ListLogEntriesRequest, ListLogEntriesResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "ListLogEntries"))
                    .setRequestMarshaller(ProtoUtils.marshaller(ListLogEntriesRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(ListLogEntriesResponse.getDefaultInstance()))
                    .build();

    /** The newest entries kept: a `rollback sandbox` left running for days must not grow without end. */
    static final int KEPT = 50_000;
    private final Clock clock;
    private final java.util.ArrayDeque<LogEntry> entries = new java.util.ArrayDeque<>();

    LoggingEmulator(Clock clock) {
        this.clock = clock;
    }

    ServerServiceDefinition api() {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(LIST, ServerCalls.asyncUnaryCall((req, obs) -> Grpc.answer(obs, () -> list(req))))
                .build();
    }

    /** What a Cloud Run revision's request log holds for an answer of 5xx: an ERROR entry, now. */
    void requestFailed(String servicePath, String revision, String method, String url, int status) {
        add(servicePath, revision, method, url, status, clock.instant());
    }

    /**
     * The failed requests of the traffic the sandbox's metrics show {@code revision} serving in [from,
     * to) (no request was made): an entry a minute stands for them, so that a first incident record
     * holds the errors its charts show (more would only cost every record's reads their time).
     */
    void served(String servicePath, String revision, Instant from, Instant to) {
        for (Instant at = from; at.isBefore(to); at = at.plusSeconds(60)) {
            add(servicePath, revision, "GET", "/api/commands", 500, at);
        }
    }

    private void add(String servicePath, String revision, String method, String url, int status, Instant now) {
        String[] parts = servicePath.split("/");
        String project = parts[1];
        String location = parts[3];
        String service = parts[5];
        LogEntry e = LogEntry.newBuilder()
                .setLogName("projects/" + project + "/logs/run.googleapis.com%2Frequests")
                .setResource(MonitoredResource.newBuilder().setType("cloud_run_revision").putAllLabels(Map.of(
                        "project_id", project, "service_name", service, "revision_name", revision,
                        "location", location, "configuration_name", service)))
                .setTimestamp(Grpc.timestamp(now)).setReceiveTimestamp(Grpc.timestamp(now))
                .setSeverity(LogSeverity.ERROR)
                .setInsertId(UUID.randomUUID().toString().replace("-", "").substring(0, 16))
                .setHttpRequest(HttpRequest.newBuilder().setRequestMethod(method).setRequestUrl(url).setStatus(status))
                .setTextPayload("The request failed with status " + status + " in revision " + revision)
                .putLabels("instanceId", "00" + Integer.toHexString(revision.hashCode()))
                .build();
        synchronized (this) {
            if (entries.size() == KEPT) {
                entries.removeFirst();
            }
            entries.addLast(e);
        }
    }

    /** Every entry kept, oldest first. */
    synchronized List<LogEntry> entries() {
        return List.copyOf(entries);
    }

    private ListLogEntriesResponse list(ListLogEntriesRequest req) {
        if (req.getResourceNamesCount() == 0) {
            throw invalid("resource_names", "", "at least one resource name is required");
        }
        List<String> projects = new ArrayList<>();
        for (String name : req.getResourceNamesList()) {
            Matcher m = PROJECT.matcher(name);
            if (!m.matches()) {
                throw invalid("resource_names", name, "the sandbox answers projects/PROJECT_ID only");
            }
            projects.add(m.group(1));
        }
        Predicate<LogEntry> filter = parse(req.getFilter());
        Comparator<LogEntry> order = Comparator.comparing((LogEntry e) -> Grpc.instant(e.getTimestamp()));
        switch (req.getOrderBy().trim()) {
            case "", "timestamp asc" -> { }
            case "timestamp desc" -> order = order.reversed();
            default -> throw invalid("order_by", req.getOrderBy(), "only \"timestamp asc\" or \"timestamp desc\"");
        }
        if (req.getPageSize() < 0 || req.getPageSize() > MAX_PAGE) {
            throw invalid("page_size", "" + req.getPageSize(), "at most " + MAX_PAGE);
        }
        int size = req.getPageSize() == 0 ? DEFAULT_PAGE : req.getPageSize();
        int offset;
        try {
            offset = req.getPageToken().isEmpty() ? 0 : Integer.parseInt(req.getPageToken());
        } catch (NumberFormatException e) {
            throw invalid("page_token", req.getPageToken(), "not a token this server handed out");
        }
        List<LogEntry> matching = entries().stream()
                .filter(e -> projects.stream().anyMatch(p -> e.getLogName().startsWith("projects/" + p + "/")))
                .filter(filter).sorted(order).toList();
        ListLogEntriesResponse.Builder out = ListLogEntriesResponse.newBuilder()
                .addAllEntries(matching.subList(Math.min(offset, matching.size()),
                        Math.min(offset + size, matching.size())));
        if (offset + size < matching.size()) {
            out.setNextPageToken(Integer.toString(offset + size));
        }
        return out.build();
    }

    /** Terms joined by AND; each a comparison the sandbox can judge. */
    static Predicate<LogEntry> parse(String filter) {
        Predicate<LogEntry> all = e -> true;
        if (filter.isBlank()) {
            return all;
        }
        for (String term : filter.trim().split("\\s+AND\\s+")) {
            Matcher m = TERM.matcher(term.trim());
            if (!m.matches()) {
                throw invalid("filter", filter, "the sandbox cannot judge \"" + term.trim() + "\"");
            }
            String field = m.group(1);
            String op = m.group(2);
            String value = m.group(3).startsWith("\"") ? m.group(3).substring(1, m.group(3).length() - 1) : m.group(3);
            all = all.and(term(filter, field, op, value));
        }
        return all;
    }

    private static Predicate<LogEntry> term(String filter, String field, String op, String value) {
        if (field.equals("severity")) {
            LogSeverity level;
            try {
                level = LogSeverity.valueOf(value);
            } catch (IllegalArgumentException e) {
                throw invalid("filter", filter, "unknown severity " + value);
            }
            return e -> compare(Integer.compare(e.getSeverityValue(), level.getNumber()), op);
        }
        if (field.equals("timestamp")) {
            Instant at;
            try {
                at = Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw invalid("filter", filter, "\"" + value + "\" is not an RFC 3339 time");
            }
            return e -> compare(Grpc.instant(e.getTimestamp()).compareTo(at), op);
        }
        if (!op.equals("=")) {
            throw invalid("filter", filter, field + " is compared with = only by the sandbox");
        }
        return switch (field) {
            case "resource.type" -> e -> e.getResource().getType().equals(value);
            case "logName" -> e -> e.getLogName().equals(value);
            default -> e -> value.equals(e.getResource().getLabelsMap().get(field.substring("resource.labels.".length())));
        };
    }

    private static boolean compare(int c, String op) {
        return switch (op) {
            case ">=" -> c >= 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            case "<" -> c < 0;
            default -> c == 0;
        };
    }

    private static StatusRuntimeException invalid(String field, String value, String why) {
        return Status.INVALID_ARGUMENT.withDescription("Field " + field + " had an invalid value of \"" + value + "\": "
                + why).asRuntimeException();
    }
}

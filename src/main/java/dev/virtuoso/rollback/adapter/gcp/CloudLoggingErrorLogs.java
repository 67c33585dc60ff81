package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.logging.v2.LoggingClient;
import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.LogEntry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.port.ErrorLogs;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** {@link ErrorLogs} over Cloud Logging's generated LoggingClient (ListLogEntries). */
public final class CloudLoggingErrorLogs implements ErrorLogs {
    private static final String API = "Cloud Logging";
    /** The API's largest page. */
    static final int PAGE = 1000;
    /**
     * One line per entry: the default printer indents over many lines. An entry whose payload is an
     * Any of a type this registry does not know would fail to print; Cloud Run's request and
     * application logs carry text or JSON payloads, and such an entry is printed without it.
     */
    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();
    private final GcpClients clients;

    public CloudLoggingErrorLogs(GcpClients clients) {
        this.clients = clients;
    }

    @Override
    public ErrorLog errors(ServiceRef service, Instant from, Instant to, int limit) {
        ListLogEntriesRequest req = ListLogEntriesRequest.newBuilder()
                .addResourceNames("projects/" + service.project())
                .setFilter(filter(service, from, to))
                .setOrderBy("timestamp desc")
                .setPageSize(Math.min(limit + 1, PAGE))
                .build();
        List<ErrorLog.Entry> entries = new ArrayList<>();
        boolean truncated = false;
        try {
            // "There were more" only once an entry past the limit is seen: a page may end with a token
            // and nothing after it (Logging stops a page after scanning a stretch of time), so the token
            // alone proves nothing. A page holds limit + 1 entries when the API allows, so only a limit of
            // its largest page can cost one more request, and only when that many errors were logged.
            for (LogEntry e : clients.logging().listLogEntries(req).iterateAll()) {
                if (entries.size() == limit) {
                    truncated = true;
                    break;
                }
                entries.add(entry(e));
            }
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "error logs of " + service.path(), e);
        }
        return new ErrorLog(from, to, entries, limit, truncated);
    }

    /**
     * Cloud Run writes its request logs under the revision resource, labelled with the service,
     * revision and location; timestamps are compared as RFC 3339 strings in the filter.
     */
    static String filter(ServiceRef service, Instant from, Instant to) {
        return "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"" + service.name()
                + "\" AND resource.labels.location=\"" + service.region() + "\" AND severity>=ERROR"
                + " AND timestamp>=\"" + DateTimeFormatter.ISO_INSTANT.format(from)
                + "\" AND timestamp<=\"" + DateTimeFormatter.ISO_INSTANT.format(to) + "\"";
    }

    private static ErrorLog.Entry entry(LogEntry e) {
        String message = !e.getTextPayload().isEmpty() ? e.getTextPayload()
                : e.hasJsonPayload() && e.getJsonPayload().containsFields("message")
                ? e.getJsonPayload().getFieldsOrThrow("message").getStringValue() : "";
        return new ErrorLog.Entry(Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos()),
                e.getSeverity().name(), e.getResource().getLabelsOrDefault("revision_name", ""),
                e.hasHttpRequest() ? e.getHttpRequest().getStatus() : 0, message, json(e));
    }

    private static String json(LogEntry e) {
        try {
            return JSON.print(e);
        } catch (InvalidProtocolBufferException unknownAny) {
            try {
                return JSON.print(e.toBuilder().clearProtoPayload());
            } catch (InvalidProtocolBufferException still) {
                return "{}";
            }
        }
    }
}

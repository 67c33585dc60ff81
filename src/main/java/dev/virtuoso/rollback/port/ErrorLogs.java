package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.ServiceRef;
import java.time.Instant;

/** Port: the log entries of severity ERROR or worse a service's revisions wrote in a window. */
public interface ErrorLogs {
    /** At most {@code limit} entries of [from, to], newest first. */
    @ReadOnly
    ErrorLog errors(ServiceRef service, Instant from, Instant to, int limit);
}

package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.RevisionSeries;
import dev.virtuoso.rollback.model.ServiceRef;
import java.time.Instant;
import java.util.List;

/** Port: a service's request metrics per revision and per minute over a window. */
public interface MetricHistory {
    /** One series per revision that served requests in [from, to], each minute's numbers oldest first. */
    @ReadOnly
    List<RevisionSeries> perRevision(ServiceRef service, Instant from, Instant to);
}

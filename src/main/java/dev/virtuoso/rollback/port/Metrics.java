package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.model.ServiceRef;
import java.time.Duration;
import java.util.Optional;

/** Port: request metrics of a service, or of one of its revisions, over the window ending now. */
public interface Metrics {
    @ReadOnly
    MetricSample sample(ServiceRef service, Optional<String> revision, Duration window);
}

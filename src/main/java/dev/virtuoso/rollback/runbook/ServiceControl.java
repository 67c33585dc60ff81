package dev.virtuoso.rollback.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Port: the Cloud Run service and its revisions. */
public interface ServiceControl {
    /** One read of the service; NOT_FOUND is an invalid-input error naming it. */
    ServiceState service(ServiceRef ref);

    /** All revisions of the service, newest first. */
    List<Revision> revisions(ServiceRef ref);

    /**
     * A read for error paths (after a failure or Ctrl-C), bounded by {@code within}: empty when the
     * service cannot be read in time. Never throws.
     */
    Optional<ServiceState> peek(ServiceRef ref, Duration within);

    /**
     * Replaces the traffic list, failing with {@link ExitCode#CONFLICT} when the service no
     * longer has {@code expected}'s etag, and returns only when the change is done (operation
     * finished, reconciled, statuses equal to {@code traffic}), waiting at most {@code limit}.
     */
    @Mutating
    ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, Duration limit, Progress progress);

    /**
     * Sends nothing: waits, at most {@code limit}, until a change to {@code traffic} that was
     * already asked (by an earlier run that was killed, say) is done.
     */
    ServiceState awaitTraffic(ServiceRef ref, List<TrafficEntry> traffic, Duration limit, Progress progress);
}

package dev.virtuoso.rollback.runbook;

import java.util.List;

/** Port: the Cloud Run service and its revisions. */
public interface ServiceControl {
    /** One read of the service; NOT_FOUND is an invalid-input error naming it. */
    ServiceState service(ServiceRef ref);

    /** All revisions of the service, newest first. */
    List<Revision> revisions(ServiceRef ref);

    /**
     * Replaces the traffic list, failing with {@link ExitCode#CONFLICT} when the service no
     * longer has {@code expected}'s etag, and returns only when the change is done (operation
     * finished, reconciled, statuses equal to {@code traffic}).
     */
    ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, Progress progress);
}

package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.ChangeReplaced;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Port: the Cloud Run service and its revisions. */
public interface ServiceControl {
    /** One read of the service; NOT_FOUND is an invalid-input error naming it. */
    @ReadOnly
    ServiceState service(ServiceRef ref);

    /** All revisions of the service, newest first. */
    @ReadOnly
    List<Revision> revisions(ServiceRef ref);

    /**
     * A read for error paths (after a failure or Ctrl-C), bounded by {@code within}: empty when the
     * service cannot be read in time. Never throws.
     */
    @ReadOnly
    Optional<ServiceState> peek(ServiceRef ref, Duration within);

    /**
     * One revision, read as {@link #peek} reads the service: empty when it does not exist or cannot
     * be read within {@code within}. Never throws.
     */
    @ReadOnly
    Optional<Revision> peekRevision(ServiceRef ref, String name, Duration within);

    /**
     * Replaces the traffic list, failing with {@link ExitCode#CONFLICT} when the service no
     * longer has {@code expected}'s etag, and returns only when the change is done (operation
     * finished, reconciled, statuses equal to {@code traffic}), waiting at most {@code limit}. A
     * later change that asks for other traffic (someone else's, sent while ours was being applied)
     * ends the wait at once: {@link ChangeReplaced}.
     */
    @Mutating
    ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, Duration limit, Progress progress);

    /**
     * Deploys {@code image} as a new revision named {@code revision} (the template's image changed,
     * its name fresh), failing with {@link ExitCode#CONFLICT} when the service changed since
     * {@code expected}, and moves no traffic until the revision is Ready: the template goes first,
     * with the traffic list as it is. A revision that never becomes Ready is an API failure with its
     * message, the traffic list and what serves left as they were. Once it is Ready, {@code traffic}
     * is sent in a second update (the service re-checked as for {@link #updateTraffic}) unless it
     * serves so already — a service that follows LATEST does. Returns, waiting at most {@code limit}
     * in all, when the revisions serving through {@code traffic}'s entries for it (by name, or
     * LATEST) run {@code image} with the template's configuration: a revision is judged by what it
     * runs, never by its name. When the template asks for exactly this already (an earlier run sent
     * it, then was killed), it is followed, not sent again.
     */
    @Mutating
    ServiceState deploy(ServiceState expected, String image, String revision, List<TrafficEntry> traffic,
                        Duration limit, Progress progress);

    /**
     * Sends nothing: waits, at most {@code limit}, for a deploy made elsewhere (CI after a push): a
     * revision whose name is not in {@code known} that is Ready and, when LATEST has traffic,
     * serving. A new revision that fails to become Ready is an API failure with its message.
     * Returns the service as it is then; the new revision is its latest created one.
     */
    @ReadOnly
    ServiceState awaitDeploy(ServiceRef ref, java.util.Set<String> known, Duration limit, Progress progress);

    /**
     * Sends nothing: waits, at most {@code limit}, until a change to {@code traffic} that was
     * already asked (by an earlier run that was killed, say), as {@code planned} shows it, is done.
     * A later change that asks for other traffic (someone else's) is {@link ChangeReplaced}, at once.
     */
    @ReadOnly
    ServiceState awaitTraffic(ServiceState planned, List<TrafficEntry> traffic, Duration limit, Progress progress);
}

package dev.virtuoso.rollback.gcp;

import com.google.api.gax.longrunning.OperationFuture;
import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.GetServiceRequest;
import com.google.cloud.run.v2.ListRevisionsRequest;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.run.v2.TrafficTargetStatus;
import com.google.cloud.run.v2.UpdateServiceRequest;
import com.google.protobuf.Timestamp;
import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.Progress;
import dev.virtuoso.rollback.runbook.Revision;
import dev.virtuoso.rollback.runbook.RunbookException;
import dev.virtuoso.rollback.runbook.ServiceControl;
import dev.virtuoso.rollback.runbook.ServiceRef;
import dev.virtuoso.rollback.runbook.ServiceState;
import dev.virtuoso.rollback.runbook.Sleeper;
import dev.virtuoso.rollback.runbook.TrafficEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@link ServiceControl} over the Cloud Run Admin API v2 (ServicesClient, RevisionsClient). */
public final class CloudRunServiceControl implements ServiceControl {
    private static final String API = "Cloud Run";

    private final GcpClients clients;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Duration timeout;

    public CloudRunServiceControl(GcpClients clients, Clock clock, Sleeper sleeper, Duration timeout) {
        this.clients = clients;
        this.clock = clock;
        this.sleeper = sleeper;
        this.timeout = timeout;
    }

    @Override
    public ServiceState service(ServiceRef ref) {
        return toState(ref, read(ref));
    }

    @Override
    public List<Revision> revisions(ServiceRef ref) {
        List<Revision> out = new ArrayList<>();
        try {
            for (com.google.cloud.run.v2.Revision r : clients.revisions()
                    .listRevisions(ListRevisionsRequest.newBuilder().setParent(ref.path()).build()).iterateAll()) {
                out.add(toRevision(r));
            }
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "revisions of " + ref.path(), e);
        }
        // ListRevisions documents no order (GCP-NOTES): newest first by create_time.
        out.sort(Comparator.comparing(Revision::created).reversed());
        return out;
    }

    @Override
    public ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, Progress progress) {
        ServiceRef ref = expected.ref();
        Service current = read(ref);
        if (!current.getEtag().equals(expected.etag()) || current.getGeneration() != expected.generation()) {
            ServiceState now = toState(ref, current);
            throw new RunbookException(ExitCode.CONFLICT, ref.name() + " changed since the plan was made (generation "
                    + expected.generation() + " → " + now.generation() + ", traffic " + expected.traffic() + " → "
                    + now.traffic() + "); nothing was changed, run the command again to plan afresh");
        }
        // The update request has no etag field of its own and Service.etag is output-only; we send it
        // back anyway (AIP-154: a stale one is ABORTED) and have just compared it ourselves.
        Service wanted = current.toBuilder().clearTraffic().addAllTraffic(traffic.stream().map(this::toProto).toList())
                .build();
        Instant start = clock.instant();
        Service done;
        try {
            OperationFuture<Service, Service> op = clients.services()
                    .updateServiceAsync(UpdateServiceRequest.newBuilder().setService(wanted).build());
            done = await(op, ref, start, progress);
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "update of " + ref.path(), e);
        }
        return settle(ref, toState(ref, done), traffic, start, progress);
    }

    private Service await(OperationFuture<Service, Service> op, ServiceRef ref, Instant start, Progress progress) {
        while (true) {
            try {
                return op.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                Duration waited = Duration.between(start, clock.instant());
                if (waited.compareTo(timeout) > 0) {
                    throw new RunbookException(ExitCode.API_FAILURE, API + ": " + ref.path() + " still updating after "
                            + waited.toSeconds() + "s; it may yet finish, see `rollback status`");
                }
                progress.update("waiting for Cloud Run to apply the new traffic (" + waited.toMillis() / 100 / 10.0 + "s)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunbookException(ExitCode.INTERRUPTED, "interrupted while waiting for " + ref.path());
            } catch (java.util.concurrent.ExecutionException e) {
                throw GcpErrors.translate(API, "update of " + ref.path(), e);
            }
        }
    }

    /**
     * The operation being done is not enough: done means not reconciling, observed generation
     * caught up, and the statuses are the traffic we asked for (SPEC 7 "Done means done").
     */
    private ServiceState settle(ServiceRef ref, ServiceState state, List<TrafficEntry> asked, Instant start,
                                Progress progress) {
        Duration pause = Duration.ofMillis(100);
        while (!state.settledOn(asked)) {
            if (state.failed()) {
                throw new RunbookException(ExitCode.API_FAILURE, API + ": " + ref.path()
                        + " failed to apply the new traffic; see `rollback status`");
            }
            Duration waited = Duration.between(start, clock.instant());
            if (waited.compareTo(timeout) > 0) {
                throw new RunbookException(ExitCode.API_FAILURE, API + ": " + ref.path() + " not serving the new traffic "
                        + "after " + waited.toSeconds() + "s; see `rollback status`");
            }
            progress.update("waiting for " + ref.name() + " to serve the new traffic (" + waited.toMillis() / 100 / 10.0 + "s)");
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunbookException(ExitCode.INTERRUPTED, "interrupted while waiting for " + ref.path());
            }
            pause = pause.multipliedBy(11).dividedBy(10);
            state = service(ref);
        }
        progress.done(ref.name() + " serves the new traffic (" + Duration.between(start, clock.instant()).toMillis()
                + " ms)");
        return state;
    }

    private Service read(ServiceRef ref) {
        try {
            return clients.services().getService(GetServiceRequest.newBuilder().setName(ref.path()).build());
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "service " + ref.path(), e);
        }
    }

    private TrafficTarget toProto(TrafficEntry e) {
        TrafficTarget.Builder b = TrafficTarget.newBuilder().setPercent(e.percent());
        if (e.latest()) {
            b.setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST);
        } else {
            b.setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION).setRevision(e.revision());
        }
        if (e.tag() != null) {
            b.setTag(e.tag());
        }
        return b.build();
    }

    private static TrafficEntry toEntry(TrafficTargetAllocationType type, String revision, int percent, String tag) {
        boolean latest = type == TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST;
        return new TrafficEntry(latest, latest ? null : shortName(revision), percent, tag);
    }

    static ServiceState toState(ServiceRef ref, Service s) {
        List<TrafficEntry> traffic = s.getTrafficList().stream()
                .map(t -> toEntry(t.getType(), t.getRevision(), t.getPercent(), t.getTag())).toList();
        List<TrafficEntry> statuses = new ArrayList<>();
        Map<String, String> tagUrls = new HashMap<>();
        for (TrafficTargetStatus t : s.getTrafficStatusesList()) {
            statuses.add(toEntry(t.getType(), t.getRevision(), t.getPercent(), t.getTag()));
            if (!t.getTag().isEmpty() && !t.getUri().isEmpty()) {
                tagUrls.put(t.getTag(), t.getUri());
            }
        }
        boolean failed = s.hasTerminalCondition()
                && s.getTerminalCondition().getState() == Condition.State.CONDITION_FAILED;
        String image = s.getTemplate().getContainersCount() > 0 ? s.getTemplate().getContainers(0).getImage() : null;
        return new ServiceState(ref, s.getUri(), s.getGeneration(), s.getObservedGeneration(), s.getEtag(),
                s.getReconciling(), failed, shortName(s.getLatestReadyRevision()),
                shortName(s.getLatestCreatedRevision()), traffic, statuses, tagUrls, image);
    }

    static Revision toRevision(com.google.cloud.run.v2.Revision r) {
        Condition ready = r.getConditionsList().stream().filter(c -> c.getType().equals("Ready")).findFirst()
                .orElse(Condition.getDefaultInstance());
        String image = r.getContainersCount() > 0 ? r.getContainers(0).getImage() : null;
        return new Revision(shortName(r.getName()), shortName(r.getService()),
                ready.getState() == Condition.State.CONDITION_SUCCEEDED, ready.getMessage(), image,
                toInstant(r.getCreateTime()));
    }

    private static Instant toInstant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** Revisions come back as full resource names in some fields and short names in others. */
    static String shortName(String name) {
        return name == null || name.isEmpty() ? null : name.substring(name.lastIndexOf('/') + 1);
    }
}

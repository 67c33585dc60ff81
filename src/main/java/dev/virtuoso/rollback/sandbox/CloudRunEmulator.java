package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.GetRevisionRequest;
import com.google.cloud.run.v2.GetServiceRequest;
import com.google.cloud.run.v2.ListRevisionsRequest;
import com.google.cloud.run.v2.ListRevisionsResponse;
import com.google.cloud.run.v2.ListServicesRequest;
import com.google.cloud.run.v2.ListServicesResponse;
import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.cloud.run.v2.RevisionsGrpc;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.ServicesGrpc;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.run.v2.TrafficTargetStatus;
import com.google.cloud.run.v2.UpdateServiceRequest;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.ListOperationsRequest;
import com.google.longrunning.ListOperationsResponse;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * An in-memory Cloud Run Admin API v2 (Services, Revisions, google.longrunning.Operations)
 * with the semantics of GCP-NOTES.md: declarative traffic, LROs that finish later, etag and
 * generation bumped on every update, transient status while reconciling.
 */
final class CloudRunEmulator {
    private static final Pattern TAG = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final String READY = "Ready";

    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<String, Revision> revisions = new LinkedHashMap<>();
    private final Map<String, Operation> operations = new LinkedHashMap<>();
    private final Map<String, List<Serving>> timelines = new LinkedHashMap<>();
    private final Set<String> brokenImages = new HashSet<>();
    private final List<Runnable> getServiceHooks = new CopyOnWriteArrayList<>();
    private final AtomicInteger mutatingCalls = new AtomicInteger();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cloud-run-emulator");
        t.setDaemon(true);
        return t;
    });
    private final Clock clock;
    private final Random random = new Random();
    private volatile Duration operationDelay;
    private volatile String demoBaseUrl = "";
    private Status failNextUpdate;
    private Status loseNextAnswer;
    private Status failNextOperation;
    private String failAfterDone;
    private Status failPolls;
    private int failPollsLeft;
    private Status failReads;
    private int failReadsLeft;
    private long etagCounter;

    CloudRunEmulator(Clock clock, Duration operationDelay) {
        this.clock = clock;
        this.operationDelay = operationDelay;
    }

    ServicesGrpc.ServicesImplBase services() {
        return new ServicesApi();
    }

    RevisionsGrpc.RevisionsImplBase revisions() {
        return new RevisionsApi();
    }

    OperationsGrpc.OperationsImplBase operations() {
        return new OperationsApi();
    }

    // ---- test controls (package-private: tests reach them through SandboxControls) ----------

    /** Mutating calls received (UpdateService), including rejected and validate-only ones. */
    int mutatingCalls() {
        return mutatingCalls.get();
    }

    synchronized Service service(String name) {
        return Optional.ofNullable(services.get(name)).orElseThrow(() -> new IllegalArgumentException(name));
    }

    /** Full names of every service, in the order they were first written. */
    synchronized List<String> serviceNames() {
        return List.copyOf(services.keySet());
    }

    synchronized List<Revision> revisionsOf(String service) {
        return revisions.values().stream().filter(r -> r.getName().startsWith(service + "/revisions/")).toList();
    }

    synchronized Optional<Revision> revision(String shortName) {
        return revisions.values().stream().filter(r -> shortName(r.getName()).equals(shortName)).findFirst();
    }

    /** Another actor changes the service: applied at once, reconciled, generation and etag bumped. */
    synchronized void changeService(String name, UnaryOperator<Service> change) {
        Service s = change.apply(service(name));
        long gen = s.getGeneration() + 1;
        put(settle(s.toBuilder().setGeneration(gen).setObservedGeneration(gen).setEtag(nextEtag()).build()));
    }

    void onGetService(Runnable hook) {
        getServiceHooks.add(hook);
    }

    void setOperationDelay(Duration delay) {
        this.operationDelay = delay;
    }

    /** The next UpdateService is refused with {@code status} before anything changes. */
    synchronized void failNextUpdate(Status status) {
        this.failNextUpdate = status;
    }

    /** The next UpdateService is applied, then answered with {@code status}: the answer is lost. */
    synchronized void loseNextAnswer(Status status) {
        this.loseNextAnswer = status;
    }

    /**
     * The next update is accepted, and its operation ends in error: the service reports the
     * terminal condition FAILED with the message, and keeps serving what it served.
     */
    synchronized void failNextOperation(Status status) {
        this.failNextOperation = status;
    }

    /** The next update's operation succeeds, and then the service reports FAILED with {@code message}. */
    synchronized void failAfterDone(String message) {
        this.failAfterDone = message;
    }

    /** The next {@code times} GetOperation calls fail with {@code status} (e.g. PERMISSION_DENIED). */
    synchronized void failOperationPolls(Status status, int times) {
        this.failPolls = status;
        this.failPollsLeft = times;
    }

    /** The next {@code times} GetService calls fail with {@code status} (e.g. UNAVAILABLE). */
    synchronized void failReads(Status status, int times) {
        this.failReads = status;
        this.failReadsLeft = times;
    }

    /** A revision stops being Ready (its instances crash), as seen by every later call. */
    synchronized void notReady(String shortName, String message) {
        Revision r = revision(shortName).orElseThrow(() -> new IllegalArgumentException(shortName));
        put(r.toBuilder().clearConditions().addConditions(condition(READY, Condition.State.CONDITION_FAILED, message))
                .build());
    }

    synchronized boolean isBroken(String image) {
        return brokenImages.contains(image);
    }

    synchronized void markBroken(String image) {
        brokenImages.add(image);
    }

    void demoBaseUrl(String url) {
        this.demoBaseUrl = url;
    }

    synchronized void put(Service s) {
        services.put(s.getName(), s);
        List<Serving> timeline = timelines.computeIfAbsent(s.getName(), k -> new ArrayList<>());
        Map<String, Integer> now = serving(s);
        if (timeline.isEmpty() || !timeline.get(timeline.size() - 1).percents().equals(now)) {
            timeline.add(new Serving(clock.instant(), now));
        }
    }

    /** From {@code since} on, these revisions served these percents (what request metrics follow). */
    record Serving(Instant since, Map<String, Integer> percents) {
    }

    /** Who served what over time, oldest first; the first entry stands for all time before it. */
    synchronized List<Serving> timeline(String service) {
        return List.copyOf(timelines.getOrDefault(service, List.of()));
    }

    /** Percent per short revision name, LATEST resolved through the latest Ready revision. */
    static Map<String, Integer> serving(Service s) {
        Map<String, Integer> percents = new LinkedHashMap<>();
        for (TrafficTargetStatus t : s.getTrafficStatusesList()) {
            String rev = t.getType() == TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST
                    ? shortName(s.getLatestReadyRevision()) : t.getRevision();
            if (t.getPercent() > 0 && !rev.isEmpty()) {
                percents.merge(rev, t.getPercent(), Integer::sum);
            }
        }
        return percents;
    }

    synchronized void put(Revision r) {
        revisions.put(r.getName(), r);
    }

    synchronized String nextEtag() {
        return "\"" + Long.toHexString(++etagCounter * 0x9E3779B97F4A7C15L) + "\"";
    }

    void shutdown() {
        scheduler.shutdownNow();
    }

    // ---- semantics -------------------------------------------------------------------------

    /** Statuses, latest ready revision and tag URLs as they are once the service has reconciled. */
    synchronized Service settle(Service s) {
        Service.Builder b = s.toBuilder().clearTrafficStatuses().setReconciling(false)
                .setTerminalCondition(condition(READY, Condition.State.CONDITION_SUCCEEDED, ""));
        for (TrafficTarget t : s.getTrafficList()) {
            TrafficTargetStatus.Builder st = TrafficTargetStatus.newBuilder().setType(t.getType())
                    .setRevision(t.getRevision()).setPercent(t.getPercent()).setTag(t.getTag());
            if (!t.getTag().isEmpty()) {
                st.setUri(demoBaseUrl + "/t/" + t.getTag());
            }
            b.addTrafficStatuses(st);
        }
        return b.setUri(demoBaseUrl).build();
    }

    static Condition condition(String type, Condition.State state, String message) {
        return Condition.newBuilder().setType(type).setState(state).setMessage(message).build();
    }

    static String shortName(String name) {
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private Timestamp now() {
        return Grpc.timestamp(clock.instant());
    }

    private synchronized Operation update(UpdateServiceRequest req) {
        mutatingCalls.incrementAndGet();
        if (failNextUpdate != null) {
            Status s = failNextUpdate;
            failNextUpdate = null;
            throw s.asRuntimeException();
        }
        Service asked = req.getService();
        Service current = services.get(asked.getName());
        if (current == null) {
            throw Status.NOT_FOUND.withDescription("Service " + asked.getName() + " not found.").asRuntimeException();
        }
        // AIP-154: a stale etag sent back is rejected with ABORTED.
        if (!asked.getEtag().isEmpty() && !asked.getEtag().equals(current.getEtag())) {
            throw Status.ABORTED.withDescription("etag mismatch: the service " + asked.getName()
                    + " was modified; read it again").asRuntimeException();
        }
        validateTraffic(current, asked.getTrafficList());
        boolean newTemplate = templateChanged(current.getTemplate(), asked.getTemplate());
        if (newTemplate && !asked.getTemplate().getRevision().isEmpty()) {
            Revision existing = revisions.get(current.getName() + "/revisions/" + asked.getTemplate().getRevision());
            if (existing != null) {
                throw Status.ALREADY_EXISTS.withDescription("Revision named '" + asked.getTemplate().getRevision()
                        + "' with different configuration already exists.").asRuntimeException();
            }
        }
        String opName = current.getName().replaceAll("/services/.*", "") + "/operations/" + UUID.randomUUID();
        if (req.getValidateOnly()) {
            return Operation.newBuilder().setName(opName).setDone(true).setMetadata(Any.pack(current))
                    .setResponse(Any.pack(current)).build();
        }
        long generation = current.getGeneration() + 1;
        // Accepted: the spec changes now; statuses, latest ready revision and uri stay as they
        // were (transient) until the reconciliation below finishes.
        Service accepted = current.toBuilder().clearTraffic().addAllTraffic(asked.getTrafficList())
                .setTemplate(newTemplate ? asked.getTemplate() : current.getTemplate())
                .setGeneration(generation).setEtag(nextEtag()).setReconciling(true).setUpdateTime(now())
                .setTerminalCondition(condition(READY, Condition.State.CONDITION_RECONCILING, "Deploying."))
                .build();
        put(accepted);
        Operation op = Operation.newBuilder().setName(opName).setDone(false).setMetadata(Any.pack(accepted)).build();
        operations.put(opName, op);
        Status opError = failNextOperation;
        String failure = failAfterDone;
        failNextOperation = null;
        failAfterDone = null;
        scheduler.schedule(() -> complete(opName, current.getName(), generation, newTemplate, opError, failure),
                operationDelay.toMillis(), TimeUnit.MILLISECONDS);
        if (loseNextAnswer != null) {
            Status lost = loseNextAnswer;
            loseNextAnswer = null;
            throw lost.asRuntimeException();
        }
        return op;
    }

    private synchronized void complete(String opName, String serviceName, long generation, boolean newTemplate,
                                       Status opError, String failure) {
        Service s = services.get(serviceName);
        if (opError != null || failure != null) {
            // Reconciled and failed: the spec keeps what was asked, what serves stays as it was.
            Service failed = s.toBuilder().setReconciling(false)
                    .setObservedGeneration(Math.max(s.getObservedGeneration(), generation)).setEtag(nextEtag())
                    .setTerminalCondition(condition(READY, Condition.State.CONDITION_FAILED,
                            opError != null ? opError.getDescription() : failure))
                    .build();
            put(failed);
            Operation.Builder op = operations.get(opName).toBuilder().setDone(true).setMetadata(Any.pack(failed));
            operations.put(opName, opError != null
                    ? op.setError(com.google.rpc.Status.newBuilder().setCode(opError.getCode().value())
                            .setMessage(opError.getDescription())).build()
                    : op.setResponse(Any.pack(failed)).build());
            return;
        }
        Service.Builder b = s.toBuilder();
        if (newTemplate) {
            Revision r = createRevision(s);
            b.setLatestCreatedRevision(r.getName()).setLatestReadyRevision(r.getName());
        }
        Service done = settle(b.setObservedGeneration(Math.max(s.getObservedGeneration(), generation))
                .setEtag(nextEtag()).build());
        if (done.getObservedGeneration() != done.getGeneration()) {
            done = done.toBuilder().setReconciling(true).build();
        }
        put(done);
        operations.put(opName, operations.get(opName).toBuilder().setDone(true).setMetadata(Any.pack(done))
                .setResponse(Any.pack(done)).build());
    }

    private Revision createRevision(Service s) {
        String svc = shortName(s.getName());
        String name = s.getTemplate().getRevision();
        if (name.isEmpty()) {
            int seq = revisionsOf(s.getName()).size() + 1;
            StringBuilder suffix = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                suffix.append((char) ('a' + random.nextInt(26)));
            }
            name = String.format("%s-%05d-%s", svc, seq, suffix);
        }
        Revision r = Revision.newBuilder().setName(s.getName() + "/revisions/" + name).setService(svc)
                .setGeneration(1).setCreateTime(now()).addAllContainers(s.getTemplate().getContainersList())
                .addConditions(condition(READY, Condition.State.CONDITION_SUCCEEDED, "")).build();
        revisions.put(r.getName(), r);
        return r;
    }

    private static boolean templateChanged(RevisionTemplate current, RevisionTemplate asked) {
        RevisionTemplate a = asked.getRevision().isEmpty() ? asked.toBuilder().setRevision(current.getRevision()).build()
                : asked;
        return !a.equals(current);
    }

    private void validateTraffic(Service current, List<TrafficTarget> traffic) {
        int sum = 0;
        Set<String> tags = new HashSet<>();
        for (TrafficTarget t : traffic) {
            if (t.getPercent() < 0 || t.getPercent() > 100) {
                throw invalid("traffic percent " + t.getPercent() + " is out of range");
            }
            sum += t.getPercent();
            boolean latest = t.getType() == TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST;
            if (latest && !t.getRevision().isEmpty()) {
                throw invalid("a traffic target of type LATEST must not name a revision");
            }
            if (!latest) {
                if (t.getRevision().isEmpty()) {
                    throw invalid("a traffic target of type REVISION needs a revision name");
                }
                Revision r = revisions.get(current.getName() + "/revisions/" + t.getRevision());
                if (r == null) {
                    throw invalid("Revision '" + t.getRevision() + "' does not exist in service "
                            + shortName(current.getName()) + ".");
                }
                if (t.getPercent() > 0 && !isReady(r)) {
                    throw Status.FAILED_PRECONDITION.withDescription("Revision '" + t.getRevision()
                            + "' is not ready and cannot serve traffic.").asRuntimeException();
                }
            }
            if (!t.getTag().isEmpty() && (!TAG.matcher(t.getTag()).matches() || !tags.add(t.getTag()))) {
                throw invalid("tag '" + t.getTag() + "' is invalid or used twice");
            }
        }
        if (sum != 100) {
            throw invalid("traffic percents must add up to 100, not " + sum);
        }
    }

    static boolean isReady(Revision r) {
        return r.getConditionsList().stream()
                .anyMatch(c -> c.getType().equals(READY) && c.getState() == Condition.State.CONDITION_SUCCEEDED);
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private final class ServicesApi extends ServicesGrpc.ServicesImplBase {
        @Override
        public void getService(GetServiceRequest req, StreamObserver<Service> obs) {
            getServiceHooks.forEach(Runnable::run);
            Grpc.answer(obs, () -> {
                synchronized (CloudRunEmulator.this) {
                    if (failReadsLeft > 0) {
                        failReadsLeft--;
                        throw failReads.asRuntimeException();
                    }
                    Service s = services.get(req.getName());
                    if (s == null) {
                        throw Status.NOT_FOUND.withDescription("Service " + req.getName() + " not found.")
                                .asRuntimeException();
                    }
                    return s;
                }
            });
        }

        @Override
        public void listServices(ListServicesRequest req, StreamObserver<ListServicesResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (CloudRunEmulator.this) {
                    return ListServicesResponse.newBuilder().addAllServices(services.values().stream()
                            .filter(s -> s.getName().startsWith(req.getParent() + "/services/")).toList()).build();
                }
            });
        }

        @Override
        public void updateService(UpdateServiceRequest req, StreamObserver<Operation> obs) {
            Grpc.answer(obs, () -> update(req));
        }
    }

    private final class RevisionsApi extends RevisionsGrpc.RevisionsImplBase {
        @Override
        public void getRevision(GetRevisionRequest req, StreamObserver<Revision> obs) {
            Grpc.answer(obs, () -> {
                synchronized (CloudRunEmulator.this) {
                    Revision r = revisions.get(req.getName());
                    if (r == null) {
                        throw Status.NOT_FOUND.withDescription("Revision " + req.getName() + " not found.")
                                .asRuntimeException();
                    }
                    return r;
                }
            });
        }

        @Override
        public void listRevisions(ListRevisionsRequest req, StreamObserver<ListRevisionsResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (CloudRunEmulator.this) {
                    if (!services.containsKey(req.getParent())) {
                        throw Status.NOT_FOUND.withDescription("Service " + req.getParent() + " not found.")
                                .asRuntimeException();
                    }
                    // The real API documents no order; neither do we.
                    List<Revision> list = new ArrayList<>(revisionsOf(req.getParent()));
                    Collections.shuffle(list, random);
                    return ListRevisionsResponse.newBuilder().addAllRevisions(list).build();
                }
            });
        }
    }

    private final class OperationsApi extends OperationsGrpc.OperationsImplBase {
        @Override
        public void getOperation(GetOperationRequest req, StreamObserver<Operation> obs) {
            Grpc.answer(obs, () -> {
                synchronized (CloudRunEmulator.this) {
                    if (failPollsLeft > 0) {
                        failPollsLeft--;
                        throw failPolls.asRuntimeException();
                    }
                    Operation op = operations.get(req.getName());
                    if (op == null) {
                        throw Status.NOT_FOUND.withDescription("Operation " + req.getName() + " not found.")
                                .asRuntimeException();
                    }
                    return op;
                }
            });
        }

        @Override
        public void listOperations(ListOperationsRequest req, StreamObserver<ListOperationsResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (CloudRunEmulator.this) {
                    return ListOperationsResponse.newBuilder().addAllOperations(operations.values().stream()
                            .filter(o -> o.getName().startsWith(req.getName())).toList()).build();
                }
            });
        }
    }
}

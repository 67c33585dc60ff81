package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.Container;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * An in-memory Cloud Run Admin API v2 (Services, Revisions, google.longrunning.Operations)
 * with the semantics of the real API: declarative traffic, LROs that finish later, etag and
 * generation bumped on every update, transient status while reconciling. A template change
 * creates its revision at once; the revision starts (Ready, or FAILED when its image never
 * listens on its port) after the revision start delay, and only a Ready one is then routed to.
 */
final class CloudRunEmulator {
    private static final Pattern TAG = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final String READY = "Ready";

    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<String, Revision> revisions = new LinkedHashMap<>();
    private final Map<String, Operation> operations = new LinkedHashMap<>();
    private final Map<String, List<Serving>> timelines = new LinkedHashMap<>();
    private final Set<String> brokenImages = new HashSet<>();
    private final Set<String> imagesThatFailToStart = new HashSet<>();
    /** Work waiting out a delay, by key ("start REVISION", "complete OPERATION"): what tests may run early. */
    private final Map<String, Delayed> delayed = new LinkedHashMap<>();
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
    private volatile Duration revisionStartDelay;
    /** Each service's URL (its region's demo service); the first one given serves any other service. */
    private final Map<String, String> demoBaseUrls = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String demoBaseUrl = "";
    /** Services whose every update is refused with this status (a region where the caller lacks permission). */
    private final Map<String, Status> refusedUpdates = new LinkedHashMap<>();
    private Status failNextUpdate;
    private Status loseNextAnswer;
    private Status failNextOperation;
    private String failAfterDone;
    private Status failPolls;
    private int failPollsLeft;
    private Status failReads;
    private int failReadsLeft;
    private long etagCounter;

    CloudRunEmulator(Clock clock, Duration operationDelay, Duration revisionStartDelay) {
        this.clock = clock;
        this.operationDelay = operationDelay;
        this.revisionStartDelay = revisionStartDelay;
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

    /** How long a new revision takes to start (Ready or FAILED), before traffic is routed to it. */
    void setRevisionStartDelay(Duration delay) {
        this.revisionStartDelay = delay;
    }

    /** Every revision still starting finishes starting now (Ready or FAILED), whatever is left of its delay. */
    synchronized void startRevisionsNow() {
        runNow("start ");
    }

    /** Every operation waiting out its delay finishes now, as it would have then. */
    synchronized void completeOperationsNow() {
        runNow("complete ");
    }

    private void runNow(String kind) {
        for (Map.Entry<String, Delayed> e : List.copyOf(delayed.entrySet())) {
            if (e.getKey().startsWith(kind) && e.getValue().future().cancel(false)) {
                e.getValue().task().run();
            }
        }
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

    /** Revisions of this image start and become Ready, then answer 503/500 (and bad metrics). */
    synchronized void markBroken(String image) {
        brokenImages.add(image);
    }

    /** Revisions of this image never listen on their port: they end Ready=FAILED and never serve. */
    synchronized void markFailsToStart(String image) {
        imagesThatFailToStart.add(image);
    }

    /**
     * A CI pipeline's {@code gcloud run deploy --image IMAGE}: the template's first container gets
     * the image, the revision name is left to Cloud Run, traffic is sent back as it is. It takes
     * the API's update path (validation, a new revision, an operation) but is not counted as a
     * call of the tool. Answers the new revision's short name, or empty when nothing changed.
     */
    synchronized Optional<String> deploy(String serviceName, String image) {
        return deploy(serviceName, image, "");
    }

    /** As {@link #deploy(String, String)}, the new revision named {@code revision} (empty: by Cloud Run). */
    synchronized Optional<String> deploy(String serviceName, String image, String revision) {
        Service current = service(serviceName);
        RevisionTemplate.Builder t = current.getTemplate().toBuilder().setRevision(revision);
        Container first = t.getContainersCount() > 0 ? t.getContainers(0) : Container.getDefaultInstance();
        if (t.getContainersCount() == 0) {
            t.addContainers(first);
        }
        t.setContainers(0, first.toBuilder().setImage(image));
        accept(UpdateServiceRequest.newBuilder().setService(current.toBuilder().setTemplate(t)).build(), CI_DEPLOYER);
        String created = service(serviceName).getLatestCreatedRevision();
        return created.equals(current.getLatestCreatedRevision()) ? Optional.empty() : Optional.of(shortName(created));
    }

    void demoBaseUrl(String service, String url) {
        demoBaseUrls.put(service, url);
        if (demoBaseUrl.isEmpty()) {
            demoBaseUrl = url;
        }
    }

    /** Every later UpdateService of {@code service} is refused with {@code status}, before anything changes. */
    synchronized void refuseUpdates(String service, Status status) {
        refusedUpdates.put(service, status);
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
                st.setUri(demoBaseUrl(s) + "/t/" + t.getTag());
            }
            b.addTrafficStatuses(st);
        }
        return b.setUri(demoBaseUrl(s)).build();
    }

    private String demoBaseUrl(Service s) {
        return demoBaseUrls.getOrDefault(s.getName(), demoBaseUrl);
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

    /**
     * Who Cloud Run records as a service's last modifier: the caller's account. The sandbox has no
     * accounts, so every call over the API is one person's, and the CI pipeline's deploys are its own.
     */
    static final String API_CALLER = "you@virtuoso-sandbox.example";
    static final String CI_DEPLOYER = "ci-deployer@virtuoso-sandbox.iam.gserviceaccount.com";

    /** UpdateService as received over gRPC: counted, and subject to the faults the tests inject. */
    private synchronized Operation update(UpdateServiceRequest req) {
        mutatingCalls.incrementAndGet();
        Status refused = refusedUpdates.get(req.getService().getName());
        if (refused != null) {
            throw refused.asRuntimeException();
        }
        if (failNextUpdate != null) {
            Status s = failNextUpdate;
            failNextUpdate = null;
            throw s.asRuntimeException();
        }
        Operation op = accept(req, API_CALLER);
        if (loseNextAnswer != null && !req.getValidateOnly()) {
            Status lost = loseNextAnswer;
            loseNextAnswer = null;
            throw lost.asRuntimeException();
        }
        return op;
    }

    /** Validates an update and accepts it: the spec changes now, what serves when its operation ends. */
    private synchronized Operation accept(UpdateServiceRequest req, String modifier) {
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
        boolean newTemplate = templateChanged(current.getTemplate(), asked.getTemplate());
        String named = newTemplate ? asked.getTemplate().getRevision() : "";
        validateTraffic(current, asked.getTrafficList(), named);
        // A template naming an existing revision is that revision again when it asks for what the
        // revision runs; with anything else it is refused, as Cloud Run refuses it (409).
        Revision existing = named.isEmpty() ? null : revisions.get(current.getName() + "/revisions/" + named);
        if (existing != null && !spec(existing).equals(spec(asked.getTemplate()))) {
            throw Status.ALREADY_EXISTS.withDescription("Revision named '" + named
                    + "' with different configuration already exists.").asRuntimeException();
        }
        String opName = current.getName().replaceAll("/services/.*", "") + "/operations/" + UUID.randomUUID();
        if (req.getValidateOnly()) {
            return Operation.newBuilder().setName(opName).setDone(true).setMetadata(Any.pack(current))
                    .setResponse(Any.pack(current)).build();
        }
        long generation = current.getGeneration() + 1;
        // Accepted: the spec changes now; statuses, latest ready revision and uri stay as they
        // were (transient) until the reconciliation below finishes.
        Service.Builder accepted = current.toBuilder().clearTraffic().addAllTraffic(asked.getTrafficList())
                .setTemplate(newTemplate ? asked.getTemplate() : current.getTemplate())
                .setGeneration(generation).setEtag(nextEtag()).setReconciling(true).setUpdateTime(now())
                .setLastModifier(modifier)
                .setTerminalCondition(condition(READY, Condition.State.CONDITION_RECONCILING, "Deploying."));
        Revision created = !newTemplate ? null : existing != null ? existing : createRevision(current,
                asked.getTemplate());
        if (created != null) {
            // The revision exists from now on, long before it is Ready (or fails).
            accepted.setLatestCreatedRevision(created.getName());
        }
        put(accepted.build());
        operations.put(opName, Operation.newBuilder().setName(opName).setDone(false)
                .setMetadata(Any.pack(services.get(current.getName()))).build());
        Status opError = failNextOperation;
        String failure = failAfterDone;
        failNextOperation = null;
        failAfterDone = null;
        String serviceName = current.getName();
        if (created == null) {
            later("complete " + opName, operationDelay, () -> complete(opName, serviceName, generation, null, opError,
                    failure));
        } else {
            String revision = created.getName();
            // A revision asked for again has started already: it is judged at once.
            later("start " + revision + " for " + opName, existing != null ? Duration.ZERO : revisionStartDelay,
                    () -> started(opName, serviceName, generation, revision, opError, failure));
        }
        return operations.get(opName);
    }

    /** Delayed work, and what runs it early. */
    private record Delayed(Runnable task, ScheduledFuture<?> future) {
    }

    private void later(String key, Duration delay, Runnable work) {
        Runnable task = () -> {
            synchronized (this) {
                delayed.remove(key);
                work.run();
            }
        };
        delayed.put(key, new Delayed(task, scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS)));
    }

    /** The new revision has started, or failed to; a Ready one gets its traffic after the operation delay. */
    private synchronized void started(String opName, String serviceName, long generation, String revision,
                                      Status opError, String failure) {
        Revision r = revisions.get(revision);
        String image = r.getContainersCount() > 0 ? r.getContainers(0).getImage() : "";
        if (imagesThatFailToStart.contains(image)) {
            failedToStart(opName, serviceName, generation, r);
            return;
        }
        put(r.toBuilder().setReconciling(false).setObservedGeneration(r.getGeneration()).clearConditions()
                .addConditions(condition(READY, Condition.State.CONDITION_SUCCEEDED, "")).build());
        later("complete " + opName, operationDelay, () -> complete(opName, serviceName, generation, revision,
                opError, failure));
    }

    /**
     * A revision whose container never listened on its port, reported as Cloud Run does: the
     * revision Ready=FAILED (HEALTH_CHECK_CONTAINER_ERROR) with the container message; the
     * operation in error, code 13, and the service's terminal condition FAILED, both with "Revision
     * 'R' is not ready and cannot serve traffic. " and that message. service.proto (`reconciling`):
     * after a failed reconciliation `traffic_statuses`, `observed_generation` and
     * `latest_ready_revision` keep the last serving state, so what served goes on serving, even
     * when the traffic list asked for this very revision; that list and the template stay as sent.
     */
    private void failedToStart(String opName, String serviceName, long generation, Revision r) {
        String message = containerFailedToStart(r);
        put(r.toBuilder().setReconciling(false).setObservedGeneration(r.getGeneration()).clearConditions()
                .addConditions(condition(READY, Condition.State.CONDITION_FAILED, message).toBuilder()
                        .setRevisionReason(Condition.RevisionReason.HEALTH_CHECK_CONTAINER_ERROR))
                .build());
        String error = "Revision '" + shortName(r.getName()) + "' is not ready and cannot serve traffic. " + message;
        Service s = services.get(serviceName);
        if (s.getGeneration() == generation) {
            s = s.toBuilder().setReconciling(false).setEtag(nextEtag())
                    .setTerminalCondition(condition(READY, Condition.State.CONDITION_FAILED, error)).build();
            put(s);
        }
        operations.put(opName, operations.get(opName).toBuilder().setDone(true).setMetadata(Any.pack(s))
                .setError(com.google.rpc.Status.newBuilder().setCode(Status.Code.INTERNAL.value()).setMessage(error))
                .build());
    }

    /**
     * Cloud Run's Ready message for a container that never listened (as users quote it from
     * gcloud and the console), with the logs link it carries.
     */
    private static String containerFailedToStart(Revision r) {
        String[] name = r.getName().split("/");
        String project = name[1];
        String service = name[5];
        String revision = name[7];
        int port = r.getContainersCount() > 0 && r.getContainers(0).getPortsCount() > 0
                ? r.getContainers(0).getPorts(0).getContainerPort() : 8080;
        return "The user-provided container failed to start and listen on the port defined provided by the PORT="
                + port + " environment variable within the allocated timeout. This can happen when the container "
                + "port is misconfigured or if the timeout is too short. The health check timeout can be extended. "
                + "Logs for this revision might contain more information.\n\nLogs URL: " + logUri(project, service, revision)
                + "\nFor more troubleshooting guidance, see "
                + "https://cloud.google.com/run/docs/troubleshooting#container-failed-to-start";
    }

    private static String logUri(String project, String service, String revision) {
        return "https://console.cloud.google.com/logs/viewer?project=" + project + "&resource=cloud_run_revision/"
                + "service_name/" + service + "/revision_name/" + revision + "&advancedFilter=resource.type%3D%22"
                + "cloud_run_revision%22%0Aresource.labels.service_name%3D%22" + service + "%22%0Aresource.labels."
                + "revision_name%3D%22" + revision + "%22";
    }

    private synchronized void complete(String opName, String serviceName, long generation, String newRevision,
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
        Service done;
        if (s.getGeneration() > generation) {
            // A newer change is being reconciled and decides what serves; this operation only ends
            // (a revision it started is now the latest Ready one, which LATEST follows).
            done = newRevision == null ? s : s.toBuilder().setLatestReadyRevision(newRevision).setEtag(nextEtag()).build();
        } else {
            Service.Builder b = s.toBuilder().setObservedGeneration(generation).setEtag(nextEtag());
            if (newRevision != null) {
                b.setLatestReadyRevision(newRevision);
            }
            done = settle(b.build());
        }
        put(done);
        operations.put(opName, operations.get(opName).toBuilder().setDone(true).setMetadata(Any.pack(done))
                .setResponse(Any.pack(done)).build());
    }

    /**
     * What a revision runs, as a template asks for it: the fields the two share, copied one by one
     * (Revision and RevisionTemplate are unrelated generated types).
     */
    private static Revision spec(RevisionTemplate t) {
        return Revision.newBuilder().setServiceAccount(t.getServiceAccount()).setScaling(t.getScaling())
                .setVpcAccess(t.getVpcAccess()).setTimeout(t.getTimeout())
                .setMaxInstanceRequestConcurrency(t.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(t.getExecutionEnvironment()).setEncryptionKey(t.getEncryptionKey())
                .addAllContainers(t.getContainersList()).addAllVolumes(t.getVolumesList()).build();
    }

    private static Revision spec(Revision r) {
        return Revision.newBuilder().setServiceAccount(r.getServiceAccount()).setScaling(r.getScaling())
                .setVpcAccess(r.getVpcAccess()).setTimeout(r.getTimeout())
                .setMaxInstanceRequestConcurrency(r.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(r.getExecutionEnvironment()).setEncryptionKey(r.getEncryptionKey())
                .addAllContainers(r.getContainersList()).addAllVolumes(r.getVolumesList()).build();
    }

    /** The template's revision, created as soon as the update is accepted: not Ready yet. */
    private Revision createRevision(Service s, RevisionTemplate template) {
        String svc = shortName(s.getName());
        String name = template.getRevision();
        if (name.isEmpty()) {
            int seq = revisionsOf(s.getName()).size() + 1;
            StringBuilder suffix = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                suffix.append((char) ('a' + random.nextInt(26)));
            }
            name = String.format("%s-%05d-%s", svc, seq, suffix);
        }
        String full = s.getName() + "/revisions/" + name;
        String[] parts = full.split("/");
        Revision r = spec(template).toBuilder().setName(full).setService(svc)
                .setGeneration(1).setCreateTime(now())
                .setReconciling(true).setLogUri(logUri(parts[1], svc, name))
                .addConditions(condition(READY, Condition.State.CONDITION_RECONCILING, "")).build();
        revisions.put(r.getName(), r);
        return r;
    }

    private static boolean templateChanged(RevisionTemplate current, RevisionTemplate asked) {
        RevisionTemplate a = asked.getRevision().isEmpty() ? asked.toBuilder().setRevision(current.getRevision()).build()
                : asked;
        return !a.equals(current);
    }

    /** {@code creating}: the revision this update's template names, if any; it is judged when it starts. */
    private void validateTraffic(Service current, List<TrafficTarget> traffic, String creating) {
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
                if (r == null && !t.getRevision().equals(creating)) {
                    throw invalid("Revision '" + t.getRevision() + "' does not exist in service "
                            + shortName(current.getName()) + ".");
                }
                if (r != null && t.getPercent() > 0 && !isReady(r)) {
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

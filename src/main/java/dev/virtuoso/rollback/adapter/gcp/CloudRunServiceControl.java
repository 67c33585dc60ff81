package dev.virtuoso.rollback.adapter.gcp;

import com.google.api.core.ApiFuture;
import com.google.api.gax.longrunning.OperationFuture;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.GetRevisionRequest;
import com.google.cloud.run.v2.GetServiceRequest;
import com.google.cloud.run.v2.ListRevisionsRequest;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.run.v2.TrafficTargetStatus;
import com.google.cloud.run.v2.UpdateServiceRequest;
import com.google.protobuf.Timestamp;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.model.ChangeReplaced;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Fingerprint;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceControl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link ServiceControl} over the Cloud Run Admin API v2 (ServicesClient, RevisionsClient). */
public final class CloudRunServiceControl implements ServiceControl {
    private static final String API = "Cloud Run";
    /** How long each look at the operation's future waits; gax polls the server on its own schedule (GcpClients). */
    private static final Duration OPERATION_DONE = Duration.ofMillis(50);
    /** gax reports an operation that ended in error as "Operation with name ... failed with status = ... and message = M". */
    private static final Pattern OPERATION_FAILED = Pattern.compile("^Operation with name .* and message = (.*)$",
            Pattern.DOTALL);
    /** What a traffic update (or a wait for one) is called in progress and errors. */
    private static final String NEW_TRAFFIC = "the new traffic";
    /** Re-reads of the service after the operation, until it serves what was asked. */
    private static final Wait.Backoff SETTLE = new Wait.Backoff(Duration.ofMillis(100), 1.1, Duration.ofSeconds(2));
    /** While an operation runs, how often the service is read for a later change, not ours, that replaced it. */
    static final Duration LOOK = Duration.ofSeconds(2);

    private final GcpClients clients;
    private final Wait wait;

    public CloudRunServiceControl(GcpClients clients, Wait wait) {
        this.clients = clients;
        this.wait = wait;
    }

    @Override
    public ServiceState service(ServiceRef ref) {
        return toState(ref, read(ref));
    }

    @Override
    public Optional<ServiceState> peek(ServiceRef ref, Duration within) {
        return bounded(() -> clients.services().getServiceCallable()
                .futureCall(GetServiceRequest.newBuilder().setName(ref.path()).build()), within)
                .map(s -> toState(ref, s));
    }

    @Override
    public Optional<Revision> peekRevision(ServiceRef ref, String name, Duration within) {
        return bounded(() -> clients.revisions().getRevisionCallable()
                .futureCall(GetRevisionRequest.newBuilder().setName(revisionPath(ref, name)).build()), within)
                .map(CloudRunServiceControl::toRevision);
    }

    /** The answer of a read for error paths, or empty when it fails or takes longer than {@code within}. */
    private static <T> Optional<T> bounded(Supplier<ApiFuture<T>> call, Duration within) {
        ApiFuture<T> read;
        try {
            read = call.get();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(read.get(within.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return Optional.empty();
        } finally {
            // A read given up on stops here, its retries with it (a no-op when it has ended).
            read.cancel(true);
        }
    }

    @Override
    public List<Revision> revisions(ServiceRef ref) {
        List<Revision> out = new ArrayList<>(list(ref).stream().map(CloudRunServiceControl::toRevision).toList());
        // ListRevisions documents no order: newest first by create_time.
        out.sort(Comparator.comparing(Revision::created).reversed());
        return out;
    }

    /** Every revision of the service, in the API's order (none documented). */
    private List<com.google.cloud.run.v2.Revision> list(ServiceRef ref) {
        List<com.google.cloud.run.v2.Revision> out = new ArrayList<>();
        try {
            for (com.google.cloud.run.v2.Revision r : clients.revisions()
                    .listRevisions(ListRevisionsRequest.newBuilder().setParent(ref.path()).build()).iterateAll()) {
                out.add(r);
            }
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "revisions of " + ref.path(), e);
        }
        return out;
    }

    @Override
    public ServiceState updateTraffic(ServiceState expected, List<TrafficEntry> traffic, Duration limit,
                                      Progress progress) {
        Instant start = wait.clock().instant();
        return update(expected, traffic, serves(expected, traffic), NEW_TRAFFIC, start, start.plus(limit), progress);
    }

    /**
     * Two updates. The first changes the template alone and sends the traffic list back as it is:
     * Cloud Run moves LATEST only to a revision that became Ready, whereas a list naming a revision
     * that never does stays asked for after it failed — what serves stays as it was, but the next
     * deploy by anyone is refused until the list is changed. The second, once the revision is Ready,
     * moves the traffic, unless it serves so already.
     */
    @Override
    public ServiceState deploy(ServiceState expected, String image, String revision, List<TrafficEntry> traffic,
                               Duration limit, Progress progress) {
        Instant start = wait.clock().instant();
        Instant deadline = start.plus(limit);
        String change = "the deploy of " + image;
        ServiceState state = template(expected, image, revision, change, start, deadline, progress);
        if (replacedBy(expected.traffic(), expected.generation()).test(state)) {
            // The template update sent the traffic list back as it was: another list now is a change
            // not ours, made while the deploy was applied, which moving the traffic would overwrite.
            throw replaced(expected.ref(), change, state, revision + " is deployed and Ready, but the traffic it was "
                    + "to get was not moved over that change");
        }
        if (state.settledOn(traffic)) {
            progress.done(revision + " is Ready" + (state.servesLatest() ? " and serving" : ""));
        } else {
            progress.done(revision + " is Ready; moving the traffic to it");
            try {
                state = update(state, traffic, serves(state, traffic), change, start, deadline, progress);
            } catch (RunbookException e) {
                if (e.exitCode() != ExitCode.CONFLICT || e instanceof ChangeReplaced) {
                    throw e;
                }
                // Not a conflict that changed nothing: the deploy is done. Nothing of theirs was overwritten.
                throw new RunbookException(ExitCode.API_FAILURE, API + ": " + revision + " is deployed and Ready, "
                        + "but its traffic was not moved: " + e.getMessage(), e);
            }
        }
        return judged(state, traffic, revision, image, expected.templateConfig());
    }

    /**
     * The deploy's first update, followed until its revision is Ready and the service done with it.
     * The revision gets a fresh name: re-sending an existing name with another configuration is
     * refused with ALREADY_EXISTS. A template that asks for this already (an earlier run sent it,
     * then was killed) is followed, not sent again.
     */
    private ServiceState template(ServiceState expected, String image, String revision, String change, Instant start,
                                  Instant deadline, Progress progress) {
        ServiceRef ref = expected.ref();
        // A deploy often leaves the traffic as it was (LATEST 100%), so a service is ours only when its
        // template asks for our image under our revision's name.
        Predicate<Service> ours = s -> s.getTemplate().getContainersCount() > 0
                && image.equals(s.getTemplate().getContainers(0).getImage())
                && revision.equals(s.getTemplate().getRevision());
        Service current = read(ref);
        Optional<ServiceState> answered = Optional.empty();
        boolean existed = false;
        if (ours.test(current)) {
            progress.update("following the deploy of " + image + " as " + revision + " an earlier run sent");
        } else {
            if (changed(current, expected)) {
                throw conflict(expected, toState(ref, current));
            }
            RevisionTemplate t = current.getTemplate();
            Service wanted = current.toBuilder().setTemplate(t.toBuilder().setRevision(revision)
                    .setContainers(0, t.getContainers(0).toBuilder().setImage(image))).build();
            try {
                // Replaced while applied: another image asked, or (the list was sent back as it was) other traffic.
                Predicate<ServiceState> replaced = s -> !image.equals(s.image())
                        || replacedBy(expected.traffic(), expected.generation()).test(s);
                answered = send(expected, wanted, serves(expected, expected.traffic()).and(ours), true)
                        .map(op -> toState(ref, await(op, ref, change, start, deadline, progress, replaced)));
            } catch (RunbookException e) {
                if (GcpErrors.code(e.getCause()) != StatusCode.Code.ALREADY_EXISTS) {
                    throw e;
                }
                existed = true;
                sameAsAsked(ref, revision, image, expected.templateConfig(), e);
                progress.done(revision + " exists already and runs " + image + " with this configuration: "
                        + "following it, nothing new deployed");
            }
        }
        // With no operation to follow (an earlier run's deploy, a lost answer, a revision that existed),
        // the revision itself says when it has started, or that it never will.
        if (answered.isEmpty()) {
            started(ref, () -> revision(ref, revision), "no revision " + revision + " of " + ref.path(), deadline,
                    progress, waited -> "waiting for " + revision + " to start (" + seconds(waited) + ")");
        }
        return existed ? service(ref) : done(ref, revision, change, start, deadline, progress, answered,
                s -> !image.equals(s.image()));
    }

    /**
     * A refused name is ours all the same when its revision runs exactly what was asked; else the
     * refusal stands, as the API failure it is (the name was ours to choose, not the user's input).
     */
    private void sameAsAsked(ServiceRef ref, String revision, String image, Fingerprint config, RunbookException e) {
        if (!revision(ref, revision).map(CloudRunServiceControl::toRevision).map(r -> r.runs(image, config))
                .orElse(false)) {
            throw new RunbookException(ExitCode.API_FAILURE, e.getMessage(), e);
        }
    }

    /**
     * What serves must run what was asked, whatever its name: the revisions serving through the
     * asked traffic's entries for the new revision (by name, or LATEST) are read and must run the
     * image with the template's configuration.
     */
    private ServiceState judged(ServiceState s, List<TrafficEntry> traffic, String revision, String image,
                                Fingerprint config) {
        for (String name : s.servingThrough(traffic, revision)) {
            Revision r = revision(s.ref(), name).map(CloudRunServiceControl::toRevision).orElse(null);
            if (r == null || !r.runs(image, config)) {
                throw new RunbookException(ExitCode.API_FAILURE, API + ": " + name + " serves " + s.ref().name()
                        + " but " + (r == null ? "no longer exists" : "runs " + r.image() + (image.equals(r.image())
                        ? " with another configuration" : "")) + ", not the deploy of " + image + " as " + revision);
            }
        }
        return s;
    }

    /** A read after a lost answer shows our update applied: a newer generation asking for our traffic. */
    private static Predicate<Service> serves(ServiceState expected, List<TrafficEntry> traffic) {
        return s -> s.getGeneration() > expected.generation()
                && ServiceState.sameEntries(toState(expected.ref(), s).traffic(), traffic);
    }

    /**
     * Replaces the traffic list. {@code applied} tells, from a read after a lost answer, whether this
     * update went through; {@code change} names it in progress and errors: "the new traffic".
     */
    private ServiceState update(ServiceState expected, List<TrafficEntry> traffic, Predicate<Service> applied,
                                String change, Instant start, Instant deadline, Progress progress) {
        ServiceRef ref = expected.ref();
        Service current = read(ref);
        if (changed(current, expected)) {
            throw conflict(expected, toState(ref, current));
        }
        // The update request has no etag field of its own and Service.etag is output-only; we send it
        // back anyway (AIP-154: a stale one is ABORTED) and have just compared it ourselves.
        Service wanted = current.toBuilder().clearTraffic()
                .addAllTraffic(traffic.stream().map(this::toProto).toList()).build();
        Optional<OperationFuture<Service, Service>> op = send(expected, wanted, applied, true);
        Predicate<ServiceState> replaced = trafficReplacedBy(expected, traffic);
        Optional<ServiceState> answered = op.map(o -> await(o, ref, change, start, deadline, progress, replaced))
                .map(s -> toState(ref, s));
        return settle(ref, traffic, replaced, change, start, deadline, progress, answered);
    }

    @Override
    public ServiceState awaitDeploy(ServiceRef ref, Set<String> known, Duration limit, Progress progress) {
        Instant start = wait.clock().instant();
        Instant deadline = start.plus(limit);
        // Revisions are listed, not the service: a revision that fails says so in its own conditions.
        Revision revision = started(ref, () -> newest(ref, known), "no new revision of " + ref.path(), deadline,
                progress, waited -> created(ref, waited));
        ServiceState state = done(ref, revision.name(), "the deploy of " + revision.name(), start, deadline, progress,
                Optional.empty(), s -> false);
        progress.done(revision.name() + " is Ready" + (state.servesLatest() ? " and serving" : ""));
        return state;
    }

    /**
     * Waits until the revision {@code find} finds has started: Ready, or — an API failure with its
     * message — never will. {@code missing} says what was not found, when nothing was by then.
     */
    private Revision started(ServiceRef ref, Supplier<Optional<com.google.cloud.run.v2.Revision>> find,
                             String missing, Instant deadline, Progress progress, Function<Duration, String> waiting) {
        Instant start = wait.clock().instant();
        Optional<com.google.cloud.run.v2.Revision> found = wait.until(find,
                r -> r.isPresent() && terminal(readiness(r.get())), SETTLE, deadline,
                "waiting for a new revision of " + ref.path(), waited -> progress.update(waiting.apply(waited)));
        if (found.isEmpty()) {
            throw new RunbookException(ExitCode.API_FAILURE, API + ": " + missing + " after " + seconds(since(start))
                    + "; is the deploy still running? See `rollback status`");
        }
        Revision revision = toRevision(found.get());
        if (readiness(found.get()) == Condition.State.CONDITION_FAILED) {
            throw new RunbookException(ExitCode.API_FAILURE, API + ": the new revision " + revision.name()
                    + " did not become Ready: " + revision.readyMessage());
        }
        if (!revision.ready()) {
            // The deadline passed while it was still starting: it has no verdict (nor message) yet.
            throw new RunbookException(ExitCode.API_FAILURE, API + ": the new revision " + revision.name()
                    + " still not Ready after " + seconds(since(start)) + "; see `rollback status`");
        }
        return revision;
    }

    /**
     * The deploy of {@code revision}, Ready, to its end. Ready is not the end of a deploy: its
     * operation goes on (Cloud Run routes, then bumps the etag) even when pinned traffic gives the
     * revision nothing, and a state read before then is stale at once (a traffic update planned on
     * it, a conflict). Done: settled on its own traffic list, and LATEST moved to the revision when
     * traffic follows LATEST. {@code answered}, the operation's result, is not read again when done.
     * {@code replaced}: the template is no longer ours (someone deployed another image over it),
     * which ends the wait at once.
     */
    private ServiceState done(ServiceRef ref, String revision, String change, Instant start, Instant deadline,
                              Progress progress, Optional<ServiceState> answered, Predicate<ServiceState> replaced) {
        Predicate<ServiceState> done = s -> s.settledOn(s.traffic())
                && (!s.servesLatest() || revision.equals(s.latestReadyRevision()));
        ServiceState state = answered.filter(done).orElseGet(() -> wait.until(() -> service(ref),
                s -> done.test(s) || replaced.test(s) || failedNow(s), SETTLE, deadline, "waiting for " + change
                        + " to finish", waited -> progress.update("waiting for " + change + " to finish ("
                        + seconds(waited) + ")")));
        if (replaced.test(state)) {
            throw replaced(ref, change, state, "its template now runs " + state.image());
        }
        if (done.test(state)) {
            return state;
        }
        if (failedNow(state)) {
            throw failed(ref, change, state);
        }
        throw new RunbookException(ExitCode.API_FAILURE, API + ": the new revision " + revision + " is Ready but "
                + ref.name() + " is still updating after " + seconds(since(start)) + "; see `rollback status`");
    }

    /** One revision of the service by its short name; empty when there is none. */
    private Optional<com.google.cloud.run.v2.Revision> revision(ServiceRef ref, String name) {
        try {
            return Optional.of(clients.revisions().getRevision(GetRevisionRequest.newBuilder()
                    .setName(revisionPath(ref, name)).build()));
        } catch (RuntimeException e) {
            if (GcpErrors.code(e) == StatusCode.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw GcpErrors.translate(API, "revision " + name + " of " + ref.path(), e);
        }
    }

    private static String revisionPath(ServiceRef ref, String name) {
        return ref.path() + "/revisions/" + name;
    }

    private Optional<com.google.cloud.run.v2.Revision> newest(ServiceRef ref, Set<String> known) {
        return list(ref).stream().filter(r -> !known.contains(shortName(r.getName())))
                .max(Comparator.comparing(r -> toInstant(r.getCreateTime())));
    }

    /** The revision's Ready condition; the default instance (state unspecified) while it has none. */
    private static Condition ready(com.google.cloud.run.v2.Revision r) {
        return r.getConditionsList().stream().filter(c -> c.getType().equals("Ready")).findFirst()
                .orElse(Condition.getDefaultInstance());
    }

    private static Condition.State readiness(com.google.cloud.run.v2.Revision r) {
        return ready(r).getState();
    }

    /** Ready has its verdict: the revision started (SUCCEEDED) or never will (FAILED). */
    private static boolean terminal(Condition.State ready) {
        return ready == Condition.State.CONDITION_SUCCEEDED || ready == Condition.State.CONDITION_FAILED;
    }

    private static String created(ServiceRef ref, Duration waited) {
        return "waiting for the deploy to create a new revision of " + ref.name() + " (" + seconds(waited) + ")";
    }

    @Override
    public ServiceState awaitTraffic(ServiceState planned, List<TrafficEntry> traffic, Duration limit,
                                     Progress progress) {
        Instant start = wait.clock().instant();
        return settle(planned.ref(), traffic, trafficReplacedBy(planned, traffic), NEW_TRAFFIC, start,
                start.plus(limit), progress, Optional.empty());
    }

    /**
     * Sends the update and returns once Cloud Run accepted it (the operation exists). UpdateService is
     * not idempotent and the client never retries it; when the answer is lost (UNAVAILABLE,
     * DEADLINE_EXCEEDED) the service is read again to decide: the update went through (follow it by
     * the service alone), nothing changed (send once more), or someone else changed it (conflict).
     * The service says only what it asks for now, not who asked: {@code applied} says what of ours
     * it must ask for.
     */
    private Optional<OperationFuture<Service, Service>> send(ServiceState expected, Service wanted,
                                                             Predicate<Service> applied, boolean firstTry) {
        ServiceRef ref = expected.ref();
        OperationFuture<Service, Service> op = clients.services()
                .updateServiceAsync(UpdateServiceRequest.newBuilder().setService(wanted).build());
        try {
            op.getInitialFuture().get();
            return Optional.of(op);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Wait.interrupted("sending the update of " + ref.path());
        } catch (ExecutionException e) {
            StatusCode.Code code = GcpErrors.code(e);
            if (code == StatusCode.Code.UNAVAILABLE || code == StatusCode.Code.DEADLINE_EXCEEDED) {
                Service read = read(ref);
                if (applied.test(read)) {
                    return Optional.empty();
                }
                ServiceState now = toState(ref, read);
                if (firstTry && !changed(now, expected)) {
                    return send(expected, wanted, applied, false);
                }
                if (changed(now, expected)) {
                    throw conflict(expected, now);
                }
            }
            if (code == StatusCode.Code.FAILED_PRECONDITION) {
                // Cloud Run says FAILED_PRECONDITION of a revision that is not Ready as well as of a
                // stale resource: only a service that really changed is a conflict.
                ServiceState now = service(ref);
                if (changed(now, expected)) {
                    throw conflict(expected, now);
                }
            }
            throw GcpErrors.translate(API, "update of " + ref.path(), e);
        }
    }

    /**
     * Follows the accepted operation to its end and returns its result, the service as the
     * operation left it; an operation that ends in error is an API failure. The operation's own
     * future paces the wait (gax polls the server on the schedule of GcpClients). Every
     * {@link #LOOK} the service is read too: an operation whose change was {@code replaced} by a
     * later one not ours may run on until the later one is done, and the wait stops at once.
     */
    private Service await(OperationFuture<Service, Service> op, ServiceRef ref, String change, Instant start,
                          Instant deadline, Progress progress, Predicate<ServiceState> replaced) {
        String what = "waiting for Cloud Run to apply " + change + " to " + ref.path();
        Instant[] look = {wait.clock().instant().plus(LOOK)};
        wait.until(() -> finished(op, what) || replacedMeanwhile(ref, change, replaced, look), Boolean::booleanValue,
                Wait.Backoff.fixed(Duration.ZERO), deadline, what, waited -> progress.update("waiting for Cloud Run to "
                        + "apply " + change + " (" + seconds(waited) + ")"));
        if (!op.isDone()) {
            throw new RunbookException(ExitCode.API_FAILURE, API + ": " + ref.path() + " still updating after "
                    + seconds(since(start)) + "; it may yet finish, see `rollback status`");
        }
        try {
            return op.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Wait.interrupted("waiting for " + ref.path());
        } catch (ExecutionException e) {
            // Accepted, then failed (or could not be followed): whatever its code, the input was taken.
            StatusCode.Code code = GcpErrors.code(e);
            Matcher failed = OPERATION_FAILED.matcher(String.valueOf(GcpErrors.unwrap(e).getMessage()));
            throw failed.find()
                    ? new RunbookException(ExitCode.API_FAILURE, API + ": the update of " + ref.path() + " failed ("
                            + code + "): " + GcpErrors.firstLine(failed.group(1)), e)
                    : new RunbookException(ExitCode.API_FAILURE, GcpErrors.translate(API, "the update operation of "
                            + ref.path(), e).getMessage(), e);
        }
    }

    /**
     * Reads the service when {@code look} is due and throws {@link ChangeReplaced} when a later
     * change replaced ours; a read that fails is no verdict (the operation is still followed).
     */
    private boolean replacedMeanwhile(ServiceRef ref, String change, Predicate<ServiceState> replaced, Instant[] look) {
        Instant now = wait.clock().instant();
        if (now.isBefore(look[0])) {
            return false;
        }
        look[0] = now.plus(LOOK);
        Optional<ServiceState> s = peek(ref, LOOK);
        if (s.isPresent() && replaced.test(s.get())) {
            throw replaced(ref, change, s.get(), null);
        }
        return false;
    }

    /**
     * Our update asked for {@code traffic} in a generation after {@code planned}: a later generation
     * that asks for other traffic can only be someone else's update after ours (generations only grow).
     */
    private static Predicate<ServiceState> replacedBy(List<TrafficEntry> traffic, long planned) {
        return s -> s.generation() > planned && !ServiceState.sameEntries(s.traffic(), traffic);
    }

    /**
     * As {@link #replacedBy}, for an update of the traffic alone, planned on {@code planned}. A
     * traffic update never creates a revision, so when the asked traffic follows LATEST, a revision
     * created after the plan is someone else's deploy, even one that sent our very traffic list back
     * (a deploy does): LATEST would serve their template, not what was planned. (A deploy of ours
     * creates its revision before its traffic update is planned, on the state it left.)
     */
    private static Predicate<ServiceState> trafficReplacedBy(ServiceState planned, List<TrafficEntry> traffic) {
        Predicate<ServiceState> otherTraffic = replacedBy(traffic, planned.generation());
        if (traffic.stream().noneMatch(TrafficEntry::latest)) {
            return otherTraffic;
        }
        return otherTraffic.or(s -> s.generation() > planned.generation()
                && !Objects.equals(s.latestCreatedRevision(), planned.latestCreatedRevision()));
    }

    /** Waits up to {@link #OPERATION_DONE} for the operation to end (in success or in error). */
    private static boolean finished(OperationFuture<Service, Service> op, String what) {
        try {
            op.get(OPERATION_DONE.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Wait.interrupted(what);
        }
    }

    /**
     * The operation being done is not enough: done means not reconciling, observed generation
     * caught up, and the statuses are {@code traffic}, which the service asked for in a generation
     * after the plan. A terminal condition FAILED ends the wait at once, and so does a later change,
     * not ours, that {@code replaced} ours ({@link #trafficReplacedBy}): Cloud Run then reconciles
     * theirs and ours is never in effect as planned; waiting for it would last until the deadline and
     * end in a wrong "nothing was changed". {@code answered}, the operation's result, is the service as
     * it was when the operation ended: when it is settled (or replaced) it is not read again.
     */
    private ServiceState settle(ServiceRef ref, List<TrafficEntry> traffic, Predicate<ServiceState> replaced,
                                String change, Instant start, Instant deadline, Progress progress,
                                Optional<ServiceState> answered) {
        Predicate<ServiceState> ended = s -> s.settledOn(traffic) || replaced.test(s);
        ServiceState state = answered.filter(ended).orElseGet(() -> wait.until(() -> service(ref),
                s -> ended.test(s) || failedNow(s), SETTLE, deadline, "waiting for " + ref.path() + " to serve "
                        + change, waited -> progress.update("waiting for " + ref.name() + " to serve " + change + " ("
                        + seconds(since(start)) + ")")));
        // Replaced first: a later deploy that sent our very traffic list back settles on it too.
        if (replaced.test(state)) {
            throw replaced(ref, change, state, null);
        }
        if (state.settledOn(traffic)) {
            progress.done(ref.name() + " serves " + change + " (" + since(start).toMillis() + " ms)");
            return state;
        }
        if (failedNow(state)) {
            throw failed(ref, change, state);
        }
        throw new RunbookException(ExitCode.API_FAILURE, API + ": " + ref.path() + " not serving " + change + " after "
                + seconds(since(start)) + "; see `rollback status`");
    }

    /**
     * A change this run did not send replaced ours while it was applied; {@code what} adds what that
     * left of ours. Traffic through LATEST names the newest revision: a later deploy's shows there.
     */
    private static ChangeReplaced replaced(ServiceRef ref, String change, ServiceState state, String what) {
        String created = state.latestCreatedRevision();
        String latest = !state.servesLatest() || created == null ? ""
                : created.equals(state.latestReadyRevision()) ? "; LATEST serves its newest revision, " + created
                : "; its newest revision is " + created + ", which LATEST serves if it becomes Ready";
        return new ChangeReplaced(API + ": " + ref.name() + " was changed again while " + change + " was being "
                + "applied, by a change this run did not send: it now asks for traffic " + state.traffic()
                + " (generation " + state.generation() + "), " + state.servingText() + " serving"
                + (state.applying() ? " until it is in effect" : "") + latest + (what == null ? "" : "; " + what));
    }

    private static RunbookException failed(ServiceRef ref, String change, ServiceState state) {
        return new RunbookException(ExitCode.API_FAILURE, API + ": " + ref.path() + " failed to apply " + change + ": "
                + state.failure());
    }

    /** The latest change was reconciled and failed (not an older failure still on record). */
    private static boolean failedNow(ServiceState s) {
        return s.failed() && !s.reconciling() && s.observedGeneration() == s.generation();
    }

    private static boolean changed(Service now, ServiceState expected) {
        return !now.getEtag().equals(expected.etag()) || now.getGeneration() != expected.generation();
    }

    private static boolean changed(ServiceState now, ServiceState expected) {
        return !now.etag().equals(expected.etag()) || now.generation() != expected.generation();
    }

    private static RunbookException conflict(ServiceState expected, ServiceState now) {
        return new RunbookException(ExitCode.CONFLICT, expected.ref().name() + " changed since the plan was made "
                + "(generation " + expected.generation() + " → " + now.generation() + ", traffic " + expected.traffic()
                + " → " + now.traffic() + "); run the command again to plan afresh");
    }

    private Duration since(Instant start) {
        return Duration.between(start, wait.clock().instant());
    }

    /** "1.2s", tenths cut: the form of every progress line and timeout (Durations.format writes 850ms, 1m 5s). */
    private static String seconds(Duration d) {
        return d.toMillis() / 100 / 10.0 + "s";
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
        String failure = s.hasTerminalCondition()
                && s.getTerminalCondition().getState() == Condition.State.CONDITION_FAILED
                ? GcpErrors.firstLine(s.getTerminalCondition().getMessage()) : null;
        String image = s.getTemplate().getContainersCount() > 0 ? s.getTemplate().getContainers(0).getImage() : null;
        return new ServiceState(ref, s.getUri(), s.getGeneration(), s.getObservedGeneration(), s.getEtag(),
                s.getReconciling(), failure, shortName(s.getLatestReadyRevision()),
                shortName(s.getLatestCreatedRevision()), traffic, statuses, tagUrls, image,
                Fingerprint.of(() -> RevisionConfig.of(s.getTemplate())),
                s.getLastModifier().isEmpty() ? null : s.getLastModifier(),
                s.hasUpdateTime() ? toInstant(s.getUpdateTime()) : null);
    }

    static Revision toRevision(com.google.cloud.run.v2.Revision r) {
        Condition ready = ready(r);
        String image = r.getContainersCount() > 0 ? r.getContainers(0).getImage() : null;
        return new Revision(shortName(r.getName()), shortName(r.getService()),
                ready.getState() == Condition.State.CONDITION_SUCCEEDED, GcpErrors.firstLine(ready.getMessage()), image,
                toInstant(r.getCreateTime()), RevisionConfig.secrets(r.getContainersList(), r.getVolumesList()),
                Fingerprint.of(() -> RevisionConfig.of(r)));
    }

    private static Instant toInstant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** Revisions come back as full resource names in some fields and short names in others. */
    static String shortName(String name) {
        return name == null || name.isEmpty() ? null : name.substring(name.lastIndexOf('/') + 1);
    }
}

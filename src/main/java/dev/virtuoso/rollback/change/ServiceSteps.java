package dev.virtuoso.rollback.change;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.TrafficPlanner;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.ServiceControl;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a journaled step of a Cloud Run service (a traffic, image or git step) left on it, and whether
 * the service changed since: what `undo` and `quick --again` refuse to overwrite, and what tells the
 * pipeline a change still being applied is this journal's own. All three kinds' states share the part
 * read here (their traffic list, the image, the revision they made), so no kind's internals are needed.
 */
public final class ServiceSteps {
    private ServiceSteps() {
    }

    /**
     * The part of a service step's state all its kinds write: the traffic list (a traffic step's state
     * is the list itself), the image an image step deployed, the revision an image or git step made.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Left(List<TrafficEntry> traffic, String image, String revision) {
    }

    /**
     * The kinds of step that change what a Cloud Run service serves: a traffic, image or git step, named
     * as text since the core knows no capability (ServiceStepsTest holds them to the kinds' own names).
     */
    public static final Set<String> KINDS = Set.of("traffic", "image", "git");

    /** A Cloud Run service read once: the later-change check and the undo's plan both work from this read. */
    public record ServiceNow(ServiceState state, List<Revision> revisions) {
        public static ServiceNow read(ServiceControl control, ServiceRef ref) {
            return new ServiceNow(control.service(ref), control.revisions(ref));
        }
    }

    /**
     * What the service serves and runs now, when that is neither what {@code record} (or, for a
     * composite such as a drill, its newest step) left nor what was there before it: the traffic
     * list as asked (a change still being applied counts), the revision LATEST means when the step
     * left LATEST some traffic (a deploy since then serves through it), and, for an image step, the
     * image. Back as before the step is not a later change to keep: undo then has nothing to do.
     * With who made the change, when a later step of the journal left the service as it is.
     */
    public static Optional<String> serviceChanged(JournalRecord record, ServiceNow service, List<JournalRecord> history) {
        ServiceState now = service.state();
        JournalRecord left = leftBy(record, history);
        List<TrafficEntry> beforeTraffic = trafficOf(record, record.before());
        List<TrafficEntry> before = beforeTraffic == null ? null : recordedTraffic(record, beforeTraffic);
        List<TrafficEntry> traffic = trafficOf(left, left.after());
        List<TrafficEntry> leftTraffic = traffic == null ? null : recordedTraffic(left, traffic);
        String image = read(left.after()).map(Left::image).orElse(null);
        String imageBefore = image == null ? null : read(record.before()).map(Left::image).orElse(null);
        boolean backAsBefore = before != null && ServiceState.sameEntries(now.traffic(), before)
                && (image == null || Objects.equals(imageBefore, now.image()) && !now.failed());
        if (backAsBefore) {
            return Optional.empty();
        }
        List<String> changed = new ArrayList<>();
        if (leftTraffic != null && !ServiceState.sameEntries(now.traffic(), leftTraffic)) {
            changed.add("it now serves " + now.servingText() + " (traffic " + now.traffic() + (now.reconciling()
                    ? ", still being applied" : "") + "; the step left " + leftTraffic + ")");
        } else if (leftTraffic != null && leftTraffic.stream().anyMatch(e -> e.latest() && e.percent() > 0)) {
            deployedSince(left, service).ifPresent(r -> changed.add("LATEST now means " + r.name() + " ("
                    + r.image() + "), created " + seconds(r.created()) + ", after the step: it serves "
                    + now.servingText()));
        }
        if (image != null && !image.equals(now.image())) {
            changed.add("its template runs " + now.image() + " (the step left " + image + ")");
        }
        return changed.isEmpty() ? Optional.empty() : Optional.of(now.ref().name() + " changed after it: "
                + String.join("; ", changed) + "; " + journaled(record, history, r -> leftServing(r, history, now))
                .orElseGet(() -> now.lastModifier() == null || now.updated() == null
                        || !now.updated().isAfter(record.time()) ? NOT_JOURNALED
                        // Cloud Run names the account of the last change; made after the step, it is the
                        // later change (or the newest of several), made outside this journal.
                        : "last changed by " + now.lastModifier() + " at " + seconds(now.updated())
                        + ", says Cloud Run (not through this journal)"));
    }

    /** {@code r} left the service's traffic as it is {@code now}. */
    private static boolean leftServing(JournalRecord r, List<JournalRecord> history, ServiceState now) {
        return asksTraffic(leftBy(r, history), now.traffic());
    }

    /** The step whose state a record left: its newest step for a composite (a drill), else itself. */
    private static JournalRecord leftBy(JournalRecord record, List<JournalRecord> history) {
        return Journal.newest(history, r -> record.id().equals(r.parent())).orElse(record);
    }

    /**
     * The revision LATEST means now, when it was created after {@code left}'s last state and is not
     * the step's own (an image or git step makes one): someone deployed since, and it serves.
     */
    private static Optional<Revision> deployedSince(JournalRecord left, ServiceNow service) {
        String own = read(left.after()).map(Left::revision).orElse("");
        return service.revisions().stream().filter(r -> r.name().equals(service.state().latestReadyRevision())
                && !r.name().equals(own) && r.created().isAfter(left.time())).findFirst();
    }

    /** {@code record} asked for (or left) exactly {@code traffic}. */
    public static boolean asksTraffic(JournalRecord record, List<TrafficEntry> traffic) {
        try {
            List<TrafficEntry> t = trafficOf(record, record.after());
            return t != null && ServiceState.sameEntries(traffic, t);
        } catch (RunbookException e) {
            return false; // a record edited into nonsense asked for nothing
        }
    }

    /**
     * The traffic list {@code state} of {@code record} holds: a traffic step's whole state, an image or git
     * step's traffic; null when it holds none. Exit 2 when the state cannot be read (the journal was edited).
     */
    public static List<TrafficEntry> trafficOf(JournalRecord record, JsonNode state) {
        if (state == null || state.isNull() || !KINDS.contains(record.kind())) {
            return null;
        }
        return JournalStates.require(record, state.isArray() ? JsonNodeFactory.instance.objectNode().set("traffic", state)
                : state, Left.class, "traffic list").traffic();
    }

    /** The revision an image or git step made, as its last state says; empty for a traffic step or when unreadable. */
    public static Optional<String> revisionMade(JournalRecord record) {
        return KINDS.contains(record.kind()) ? read(record.after()).map(Left::revision) : Optional.empty();
    }

    /** The part of a service step's state {@code state} holds, when it can be read. */
    private static Optional<Left> read(JsonNode state) {
        return JournalStates.read(state, Left.class);
    }

    public static Instant seconds(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /**
     * Who made the later change: the newest step journaled after {@code record} on the same resource
     * that {@code leftItSo} says left the resource as it is now; otherwise that this journal holds no
     * such step (another engineer's journal, the console, gcloud).
     */
    public static String explained(JournalRecord record, List<JournalRecord> history, Predicate<JournalRecord> leftItSo) {
        return journaled(record, history, leftItSo).orElse(NOT_JOURNALED);
    }

    private static final String NOT_JOURNALED = "no later step in this journal made it (another engineer's journal, "
            + "the console or gcloud?)";

    private static Optional<String> journaled(JournalRecord record, List<JournalRecord> history,
                                              Predicate<JournalRecord> leftItSo) {
        int at = history.stream().map(JournalRecord::id).toList().indexOf(record.id());
        for (int i = history.size() - 1; i > at; i--) {
            JournalRecord r = history.get(i);
            if (r.changed() && r.parent() == null && r.target().equals(record.target()) && leftItSo.test(r)) {
                return Optional.of("changed by " + r.user() + " at " + seconds(r.time()) + " (journal " + r.id() + ": "
                        + r.command() + (r.reason() == null ? "" : ", reason: " + r.reason()) + ")");
            }
        }
        return Optional.empty();
    }

    /** The Cloud Run service a record changed. */
    public static ServiceRef service(JournalRecord record) {
        return service(record.target(), record);
    }

    /** The Cloud Run service {@code path} of {@code record} names. */
    public static ServiceRef service(String path, JournalRecord record) {
        String[] p = path.split("/");
        if (p.length != 6 || !p[4].equals("services")) {
            throw RunbookException.invalid("journal record " + record.id() + " (" + record.command()
                    + ") did not change a Cloud Run service");
        }
        return new ServiceRef(p[1], p[3], p[5]);
    }

    /** The traffic list {@code traffic} of {@code record}, checked: exit 2 when the journal was edited into nonsense. */
    public static List<TrafficEntry> recordedTraffic(JournalRecord record, List<TrafficEntry> traffic) {
        if (traffic == null) {
            throw RunbookException.invalid("journal record " + record.id() + " holds no readable traffic list; was "
                    + "the journal edited? Nothing was changed");
        }
        String problem = TrafficPlanner.problem(traffic);
        if (problem != null) {
            throw RunbookException.invalid("journal record " + record.id() + " holds a traffic list Cloud Run would "
                    + "refuse (" + problem + "); was the journal edited? Nothing was changed");
        }
        return traffic;
    }

    /** Puts back a recorded traffic list exactly; its revisions must still exist (and be Ready if they serve). */
    public static Plan restore(String command, ServiceState s, List<Revision> revisions, List<TrafficEntry> traffic,
                               String summary, List<String> notes) {
        for (TrafficEntry e : traffic) {
            if (!e.latest()) {
                if (e.percent() > 0) {
                    Preflight.ready(s.ref(), revisions, e.revision());
                } else {
                    Preflight.find(s.ref(), revisions, e.revision());
                }
            }
        }
        String unchanged = !s.reconciling() && ServiceState.sameEntries(s.traffic(), traffic)
                ? "traffic of " + s.ref().name() + " is already as recorded" : null;
        return new Plan(command, s.ref(), summary, s, traffic, notes, unchanged);
    }
}

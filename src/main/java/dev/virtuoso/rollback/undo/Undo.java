package dev.virtuoso.rollback.undo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.alertpolicy.AlertPolicyChange;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.change.Preflight;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.gitrevert.GitChange;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.image.ImageRollback;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.TrafficPlanner;
import dev.virtuoso.rollback.port.AlertPolicies;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.FirestoreAdmin;
import dev.virtuoso.rollback.port.FirestoreExports;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.SourceControl;
import dev.virtuoso.rollback.restore.bigquery.BigQueryRestore;
import dev.virtuoso.rollback.restore.firestore.FirestoreRestore;
import dev.virtuoso.rollback.restore.secrets.SecretChange;
import dev.virtuoso.rollback.restore.secrets.SecretRestore;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/** Puts back what a journal record saw before it acted, whatever kind of change it was. */
public final class Undo {
    private Undo() {
    }

    /**
     * The step to undo: {@code id}, or the newest step that changed something (or may have: it was
     * sent before an error or Ctrl-C). A step that failed before applying changed nothing and is
     * never picked; nor is one step of a composite action (a drill): the action itself is.
     */
    public static JournalRecord pick(Journal journal, String id) {
        if (id != null) {
            return journal.find(id).orElseThrow(() -> RunbookException.invalid("no journal record " + id
                    + "; see `rollback history`"));
        }
        return journal.newest(r -> r.changed() && r.parent() == null)
                .orElseThrow(() -> RunbookException.invalid("the journal has no change to undo"));
    }

    /** The ports an undo may need, depending on the kind of change it reverses. */
    public record Ports(ServiceControl control, AlertPolicies policies, SourceControl git, SecretStore secrets,
                        BigQueryTables bigquery, FirestoreAdmin firestore, FirestoreExports exports, Wait waiting) {
    }

    /** The change that reverses a step, and what it overwrites when forced over a later change. */
    public record Prepared(Change<?> change, Optional<String> overwrites) {
    }

    /** The kinds of step that change what a Cloud Run service serves. */
    public static final java.util.Set<String> SERVICE_KINDS = java.util.Set.of(TrafficChange.KIND, ImageChange.KIND,
            GitChange.KIND);

    /** A Cloud Run service read once: the later-change check and the undo's plan both work from this read. */
    public record ServiceNow(ServiceState state, List<Revision> revisions) {
        public static ServiceNow read(ServiceControl control, ServiceRef ref) {
            return new ServiceNow(control.service(ref), control.revisions(ref));
        }
    }

    /**
     * The change that reverses {@code record}, read against the resource as it is now. Refused (exit
     * 5, nothing sent) when the resource changed after the step left it: undo puts back what was there
     * before the step, so it would silently overwrite that later change (A rolls back to 00002, B then
     * to 00001 from another machine; A's undo would put 100% back on the broken 00003). With
     * {@code force} it goes on, and {@link Prepared#overwrites} says what it overwrites, for the plan
     * and the journal. A service is read once, for the check and the plan alike; a change after that
     * read is caught where every change is, by the etag compared just before applying.
     */
    public static Prepared prepare(JournalRecord record, Ports ports, List<JournalRecord> history, Instant now,
                                   boolean force) {
        // Once: it fetches, and both steps below rely on it.
        boolean drop = GitChange.KIND.equals(record.kind()) && GitChange.checkReady(record, ports.git());
        ServiceNow service = SERVICE_KINDS.contains(record.kind()) ? ServiceNow.read(ports.control(), service(record))
                : null;
        Optional<String> later = laterChange(record, ports, history, service);
        String what = record.command() + ", " + seconds(record.time());
        if (later.isPresent() && !force) {
            throw new RunbookException(ExitCode.CONFLICT, "refusing to undo " + record.id() + " (" + what + "): "
                    + later.get() + "; undo would overwrite that later change, so nothing was sent (`rollback undo "
                    + record.id() + " --force` undoes anyway)");
        }
        String command = "undo " + record.id() + (later.isPresent() ? " --force" : "");
        Change<?> change = drop ? GitChange.drop(record, command, ports.git()) : change(record, command, ports, now, service);
        return new Prepared(change, later.map(l -> "--force: this overwrites a "
                + "change made after " + record.id() + " (" + what + "): " + l));
    }

    /** What changed {@code record}'s resource after the step, and who did it when the journal knows. */
    private static Optional<String> laterChange(JournalRecord record, Ports ports, List<JournalRecord> history,
                                                ServiceNow service) {
        return switch (record.kind()) {
            case TrafficChange.KIND, ImageChange.KIND -> serviceChanged(record, service, history);
            case GitChange.KIND -> explain(GitChange.laterChange(record, ports.git()), record, history)
                    .or(() -> serviceChanged(record, service, history));
            case AlertPolicyChange.KIND -> explain(AlertPolicyChange.laterChange(record, ports.policies()), record,
                    history);
            case SecretChange.KIND -> explain(SecretRestore.laterChange(record, ports.secrets()), record, history);
            case BigQueryRestore.KIND -> explain(BigQueryRestore.laterChange(record, ports.bigquery()), record,
                    history);
            case FirestoreRestore.KIND -> explain(FirestoreRestore.laterChange(record, ports.firestore()), record,
                    history);
            default -> Optional.empty();
        };
    }

    private static Optional<String> explain(Optional<String> what, JournalRecord record, List<JournalRecord> history) {
        return what.map(w -> w + "; " + explained(record, history, r -> true));
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
        String image = ImageChange.KIND.equals(left.kind()) ? JournalStates.read(left.after(),
                ImageChange.ImageState.class).map(ImageChange.ImageState::image).orElse(null) : null;
        String imageBefore = image == null ? null : JournalStates.read(record.before(), ImageChange.ImageState.class)
                .map(ImageChange.ImageState::image).orElse(null);
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
                + String.join("; ", changed) + "; " + explained(record, history, r -> leftServing(r, history, now)));
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
        String own = switch (left.kind()) {
            case ImageChange.KIND -> JournalStates.read(left.after(), ImageChange.ImageState.class)
                    .map(ImageChange.ImageState::revision).orElse("");
            case GitChange.KIND -> JournalStates.read(left.after(), GitChange.GitState.class)
                    .map(GitChange.GitState::revision).orElse("");
            default -> "";
        };
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
    private static List<TrafficEntry> trafficOf(JournalRecord record, JsonNode state) {
        if (state == null || state.isNull()) {
            return null;
        }
        return switch (record.kind()) {
            case TrafficChange.KIND -> JournalStates.require(record, state, TrafficChange.TrafficState.class,
                    "traffic list").traffic();
            case ImageChange.KIND -> JournalStates.require(record, state, ImageChange.ImageState.class,
                    "traffic list").traffic();
            case GitChange.KIND -> JournalStates.require(record, state, GitChange.GitState.class, "traffic list")
                    .traffic();
            default -> null;
        };
    }

    private static Instant seconds(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /**
     * Who made the later change: the newest step journaled after {@code record} on the same resource
     * that {@code leftItSo} says left the resource as it is now; otherwise that this journal holds no
     * such step (another engineer's journal, the console, gcloud).
     */
    static String explained(JournalRecord record, List<JournalRecord> history, Predicate<JournalRecord> leftItSo) {
        int at = history.stream().map(JournalRecord::id).toList().indexOf(record.id());
        for (int i = history.size() - 1; i > at; i--) {
            JournalRecord r = history.get(i);
            if (r.changed() && r.parent() == null && r.target().equals(record.target()) && leftItSo.test(r)) {
                return "changed by " + r.user() + " at " + seconds(r.time()) + " (journal " + r.id() + ": " + r.command() + ")";
            }
        }
        return "no later step in this journal made it (another engineer's journal, the console or gcloud?)";
    }

    private static Change<?> change(JournalRecord record, String command, Ports ports, Instant now, ServiceNow service) {
        ServiceControl control = ports.control();
        return switch (record.kind()) {
            case TrafficChange.KIND -> new TrafficChange(plan(record, command, service.state(), service.revisions()),
                    control);
            case ImageChange.KIND -> ImageChange.undo(record, command, service.state(), control,
                    ImageRollback.freshName(service(record), now));
            case GitChange.KIND -> GitChange.undo(record, command, service.state(), service.revisions(), ports.git(),
                    control);
            case AlertPolicyChange.KIND -> AlertPolicyChange.undo(record, command, ports.policies());
            case SecretChange.KIND -> SecretRestore.undo(record, command, ports.secrets(), control, now);
            case BigQueryRestore.KIND -> BigQueryRestore.undo(record, command, ports.bigquery(), now);
            case FirestoreRestore.KIND -> FirestoreRestore.undo(record, command, ports.firestore(), ports.exports(),
                    ports.waiting(), now);
            default -> throw RunbookException.invalid("journal record " + record.id() + " (" + record.command()
                    + ") is a kind of change this build cannot undo: " + record.kind());
        };
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

    static Plan plan(JournalRecord record, String command, ServiceState s, List<Revision> revisions) {
        List<TrafficEntry> before = recordedTraffic(record, trafficOf(record, record.before()));
        String what = record.command() + (record.from() != null && record.to() != null
                ? ", " + record.from() + " → " + record.to() : "");
        List<String> notes = record.command().startsWith("undo ")
                ? List.of("this undoes an undo (" + record.id() + "): it puts back what `" + record.command()
                        + "` replaced; `rollback undo` after it toggles between the two again")
                : List.of("undo is itself journaled: `rollback undo` again puts back what this replaces");
        return restore(command, s, revisions, before, "restore the traffic of " + s.ref().name()
                + " recorded before " + record.id() + " (" + what + ", " + record.time() + ")", notes);
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

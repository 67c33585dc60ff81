package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
    public record Prepared(Change change, Optional<String> overwrites) {
    }

    /**
     * The change that reverses {@code record}, read against the resource as it is now. Refused (exit
     * 5, nothing sent) when the resource changed after the step left it: undo puts back what was there
     * before the step, so it would silently overwrite that later change (A rolls back to 00002, B then
     * to 00001 from another machine; A's undo would put 100% back on the broken 00003). With
     * {@code force} it goes on, and {@link Prepared#overwrites} says what it overwrites, for the plan
     * and the journal.
     */
    public static Prepared prepare(JournalRecord record, Ports ports, List<JournalRecord> history, Instant now,
                                   boolean force) {
        if (GitChange.KIND.equals(record.kind())) {
            GitChange.checkReady(record, ports.git()); // once: it fetches, and both steps below rely on it
        }
        Optional<String> later = laterChange(record, ports, history);
        String what = record.command() + ", " + record.time();
        if (later.isPresent() && !force) {
            throw new RunbookException(ExitCode.CONFLICT, "refusing to undo " + record.id() + " (" + what + "): "
                    + later.get() + "; undo would overwrite that later change, so nothing was sent (`rollback undo "
                    + record.id() + " --force` undoes anyway)");
        }
        String command = "undo " + record.id() + (later.isPresent() ? " --force" : "");
        return new Prepared(change(record, command, ports, now), later.map(l -> "--force: this overwrites a change made after "
                + record.id() + " (" + what + "): " + l));
    }

    /** What changed {@code record}'s resource after the step, and who did it when the journal knows. */
    private static Optional<String> laterChange(JournalRecord record, Ports ports, List<JournalRecord> history) {
        Optional<String> what = switch (record.kind()) {
            case TrafficChange.KIND, ImageChange.KIND -> serviceChanged(record, ports.control().service(service(record)),
                    history);
            case GitChange.KIND -> GitChange.laterChange(record, ports.git()).or(() -> serviceChanged(record,
                    ports.control().service(service(record)), history));
            case AlertPolicyChange.KIND -> AlertPolicyChange.laterChange(record, ports.policies());
            case SecretChange.KIND -> SecretRestore.laterChange(record, ports.secrets());
            case BigQueryRestore.KIND -> BigQueryRestore.laterChange(record, ports.bigquery());
            case FirestoreRestore.KIND -> FirestoreRestore.laterChange(record, ports.firestore());
            default -> Optional.empty();
        };
        return what.map(w -> w + "; " + explained(record, history));
    }

    /**
     * What the service serves and runs now, when that is neither what {@code record} (or, for a
     * composite such as a drill, its newest step) left nor what was there before it: the traffic
     * list as asked (a change still being applied counts) and, for an image step, the image. Back
     * as before the step is not a later change to keep: undo then has nothing to do.
     */
    static Optional<String> serviceChanged(JournalRecord record, ServiceState now, List<JournalRecord> history) {
        JournalRecord left = Journal.newest(history, r -> record.id().equals(r.parent())).orElse(record);
        JsonNode after = left.after();
        List<String> changed = new ArrayList<>();
        JsonNode beforeNode = trafficOf(record.before());
        List<TrafficEntry> before = beforeNode == null ? null : recordedTraffic(record, beforeNode);
        JsonNode traffic = trafficOf(after);
        List<TrafficEntry> leftTraffic = traffic == null ? null : recordedTraffic(left, traffic);
        if (leftTraffic != null && !ServiceState.sameEntries(now.traffic(), leftTraffic)
                && (before == null || !ServiceState.sameEntries(now.traffic(), before))) {
            changed.add("it now serves " + serving(now) + " (traffic " + now.traffic() + (now.reconciling()
                    ? ", still being applied" : "") + "; the step left " + leftTraffic + ")");
        }
        String image = ImageChange.KIND.equals(left.kind()) && after != null ? after.path("image").asText(null) : null;
        if (image != null && !image.equals(now.image())) {
            changed.add("its template runs " + now.image() + " (the step left " + image + ")");
        }
        return changed.isEmpty() ? Optional.empty()
                : Optional.of(now.ref().name() + " changed after it: " + String.join("; ", changed));
    }

    /** The traffic list a traffic step holds as itself, an image or git step under "traffic"; null when none. */
    private static JsonNode trafficOf(JsonNode state) {
        JsonNode t = state == null ? null : state.isArray() ? state : state.get("traffic");
        return t != null && t.isArray() ? t : null;
    }

    private static String serving(ServiceState s) {
        return s.serving().isEmpty() ? "no revision" : QuickRollback.describe(s.serving());
    }

    /**
     * Who made the later change, when a step journaled after {@code record} on the same resource
     * explains it; otherwise that this journal does not (another engineer's journal, the console, gcloud).
     */
    static String explained(JournalRecord record, List<JournalRecord> history) {
        int at = history.stream().map(JournalRecord::id).toList().indexOf(record.id());
        for (int i = history.size() - 1; i > at; i--) {
            JournalRecord r = history.get(i);
            if (r.changed() && r.target().equals(record.target()) && !record.id().equals(r.parent())) {
                return "changed by " + r.user() + " at " + r.time() + " (journal " + r.id() + ": " + r.command() + ")";
            }
        }
        return "no later step in this journal made it (another engineer's journal, the console or gcloud?)";
    }

    private static Change change(JournalRecord record, String command, Ports ports, Instant now) {
        ServiceControl control = ports.control();
        return switch (record.kind()) {
            case TrafficChange.KIND -> {
                ServiceRef ref = service(record);
                yield new TrafficChange(plan(record, command, control.service(ref), control.revisions(ref)), control);
            }
            case ImageChange.KIND -> ImageChange.undo(record, command, control,
                    ImageRollback.freshName(service(record), now));
            case GitChange.KIND -> GitChange.undo(record, command, ports.git(), control);
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
    static ServiceRef service(String path, JournalRecord record) {
        String[] p = path.split("/");
        if (p.length != 6 || !p[4].equals("services")) {
            throw RunbookException.invalid("journal record " + record.id() + " (" + record.command()
                    + ") did not change a Cloud Run service");
        }
        return new ServiceRef(p[1], p[3], p[5]);
    }

    /** The traffic list {@code node} of {@code record}, checked: exit 2 when the journal was edited into nonsense. */
    static List<TrafficEntry> recordedTraffic(JournalRecord record, JsonNode node) {
        List<TrafficEntry> traffic;
        try {
            traffic = TrafficChange.traffic(node);
        } catch (IllegalArgumentException e) {
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
        List<TrafficEntry> before = recordedTraffic(record, record.before());
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
    static Plan restore(String command, ServiceState s, List<Revision> revisions, List<TrafficEntry> traffic,
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

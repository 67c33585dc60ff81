package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** Puts back what a journal record saw before it acted (SPEC 10), whatever kind of change it was. */
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

    /** The change that reverses {@code record}, read against the resource as it is now. */
    public static Change change(JournalRecord record, Ports ports, Instant now) {
        ServiceControl control = ports.control();
        return switch (record.kind()) {
            case TrafficChange.KIND -> {
                ServiceRef ref = service(record);
                yield new TrafficChange(plan(record, control.service(ref), control.revisions(ref)), control);
            }
            case ImageChange.KIND -> ImageChange.undo(record, control, ImageRollback.freshName(service(record), now));
            case GitChange.KIND -> GitChange.undo(record, ports.git(), control);
            case AlertPolicyChange.KIND -> AlertPolicyChange.undo(record, ports.policies());
            case SecretChange.KIND -> SecretRestore.undo(record, ports.secrets(), control, now);
            case BigQueryRestore.KIND -> BigQueryRestore.undo(record, ports.bigquery(), now);
            case FirestoreRestore.KIND -> FirestoreRestore.undo(record, ports.firestore(), ports.exports(),
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

    static Plan plan(JournalRecord record, ServiceState s, List<Revision> revisions) {
        List<TrafficEntry> before = recordedTraffic(record, record.before());
        String what = record.command() + (record.from() != null && record.to() != null
                ? ", " + record.from() + " → " + record.to() : "");
        List<String> notes = record.command().startsWith("undo ")
                ? List.of("this undoes an undo (" + record.id() + "): it puts back what `" + record.command()
                        + "` replaced; `rollback undo` after it toggles between the two again")
                : List.of("undo is itself journaled: `rollback undo` again puts back what this replaces");
        return restore("undo " + record.id(), s, revisions, before, "restore the traffic of " + s.ref().name()
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

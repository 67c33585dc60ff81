package dev.virtuoso.rollback.undo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.alertpolicy.AlertPolicyChange;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.ServiceSteps;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.gitrevert.GitChange;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.image.ImageRollback;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
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
        ServiceSteps.ServiceNow service = ServiceSteps.KINDS.contains(record.kind()) ? ServiceSteps.ServiceNow.read(ports.control(), ServiceSteps.service(record))
                : null;
        Optional<String> later = laterChange(record, ports, history, service);
        String what = record.command() + ", " + ServiceSteps.seconds(record.time());
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
                                                ServiceSteps.ServiceNow service) {
        return switch (record.kind()) {
            case TrafficChange.KIND, ImageChange.KIND -> ServiceSteps.serviceChanged(record, service, history);
            case GitChange.KIND -> explain(GitChange.laterChange(record, ports.git()), record, history)
                    .or(() -> ServiceSteps.serviceChanged(record, service, history));
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
        return what.map(w -> w + "; " + ServiceSteps.explained(record, history, r -> true));
    }

    private static Change<?> change(JournalRecord record, String command, Ports ports, Instant now, ServiceSteps.ServiceNow service) {
        ServiceControl control = ports.control();
        return switch (record.kind()) {
            case TrafficChange.KIND -> new TrafficChange(plan(record, command, service.state(), service.revisions()),
                    control);
            case ImageChange.KIND -> ImageChange.undo(record, command, service.state(), control,
                    ImageRollback.freshName(ServiceSteps.service(record), now));
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

    private static Plan plan(JournalRecord record, String command, ServiceState s, List<Revision> revisions) {
        List<TrafficEntry> before = ServiceSteps.recordedTraffic(record, ServiceSteps.trafficOf(record, record.before()));
        String what = record.command() + (record.from() != null && record.to() != null
                ? ", " + record.from() + " → " + record.to() : "");
        List<String> notes = record.command().startsWith("undo ")
                ? List.of("this undoes an undo (" + record.id() + "): it puts back what `" + record.command()
                        + "` replaced; `rollback undo` after it toggles between the two again")
                : List.of("undo is itself journaled: `rollback undo` again puts back what this replaces");
        return ServiceSteps.restore(command, s, revisions, before, "restore the traffic of " + s.ref().name()
                + " recorded before " + record.id() + " (" + what + ", " + record.time() + ")", notes);
    }

}

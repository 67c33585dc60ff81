package dev.virtuoso.rollback.change;

import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.port.SecretStore;
import java.util.List;

/** Before anything changes: the revision to receive traffic exists, belongs to the service, and is Ready. */
public final class Preflight {
    private Preflight() {
    }

    /** The revision of {@code service} named {@code name}; exit 2 when unknown or another service's. */
    public static Revision find(ServiceRef service, List<Revision> revisions, String name) {
        String shortName = name.substring(name.lastIndexOf('/') + 1);
        return revisions.stream().filter(r -> r.name().equals(shortName)).findFirst().orElseThrow(() ->
                RunbookException.invalid((shortName.startsWith(service.name() + "-")
                        ? "revision " + shortName + " not found in service " + service.name()
                        : "revision " + shortName + " does not belong to service " + service.name()) + known(revisions)));
    }

    /**
     * The secrets a revision reads, checked before traffic is sent to it: a version it pins that is
     * DISABLED, DESTROYED or gone would keep new instances from starting (refused, exit 2, unless
     * {@code force}); one read as {@code latest} makes the rollback not hermetic — the old code gets
     * today's secret — which is said, not refused. Returns the notes for the plan.
     */
    public static List<String> secrets(Revision r, String project, SecretStore store, boolean force) {
        List<String> notes = new java.util.ArrayList<>();
        for (Revision.SecretUse use : r.secrets()) {
            if (use.latest()) {
                notes.add(r.name() + " reads secret " + use.secret() + " as latest (" + use.where() + "): the rollback "
                        + "is not hermetic, it gets today's value");
                continue;
            }
            SecretStore.VersionState state = store.state(project, use.secret(), use.version());
            if (state != SecretStore.VersionState.ENABLED) {
                String problem = r.name() + " pins secret " + use.secret() + " version " + use.version() + " ("
                        + use.where() + "), which is " + state + ": its instances would not start";
                if (!force) {
                    throw RunbookException.invalid(problem + "; enable that version, or pass --force to go on anyway");
                }
                notes.add(problem + " (going on: --force)");
            }
        }
        return notes;
    }

    /** The newest few revisions, so a typo can be corrected without another command. */
    private static String known(List<Revision> revisions) {
        if (revisions.isEmpty()) {
            return " (it has no revisions)";
        }
        List<String> names = revisions.stream().limit(5).map(r -> r.name() + (r.ready() ? "" : " (not Ready)")).toList();
        return " (revisions, newest first: " + String.join(", ", names) + (revisions.size() > 5 ? ", …" : "") + ")";
    }

    /** As {@link #find}, and the revision must be Ready. */
    public static Revision ready(ServiceRef service, List<Revision> revisions, String name) {
        return ready(service, revisions, name, "send traffic to it");
    }

    /** As {@link #ready(ServiceRef, List, String)}, saying what was refused ("tag it"). */
    public static Revision ready(ServiceRef service, List<Revision> revisions, String name, String refused) {
        Revision r = find(service, revisions, name);
        if (!r.ready()) {
            throw RunbookException.invalid("revision " + r.name() + " is not Ready"
                    + (r.readyMessage() == null || r.readyMessage().isBlank() ? "" : " (" + r.readyMessage() + ")")
                    + "; refusing to " + refused);
        }
        return r;
    }
}

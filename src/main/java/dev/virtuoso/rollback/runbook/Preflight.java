package dev.virtuoso.rollback.runbook;

import java.util.List;

/** Checks a revision is fit to receive traffic before anything is changed (SPEC 7 "Preflight"). */
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

package dev.virtuoso.rollback.traffic;

import dev.virtuoso.rollback.change.Preflight;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficPlanner;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** "Rollback Tags" of the written runbook: name a revision so it can be reached and restored later. */
public final class TagRevision {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private TagRevision() {
    }

    public static String defaultName(Instant now) {
        return "stable-" + DAY.format(now);
    }

    /** Tags {@code revision} (default: the one serving most traffic) as {@code tag}, keeping the split. */
    public static Plan plan(ServiceState s, List<Revision> revisions, String revision, String tag) {
        if (!TrafficPlanner.TAG.matcher(tag).matches() || tag.length() > 46) {
            throw RunbookException.invalid("tag '" + tag + "' must be lowercase letters, digits and dashes, "
                    + "start with a letter, and be at most 46 characters");
        }
        String name = revision != null ? revision : s.servingRevision().orElseThrow(() ->
                RunbookException.invalid("service " + s.ref().name() + " serves no revision; name one with --revision"));
        // A tag on a revision that cannot serve would be refused by Cloud Run; say so before sending.
        Revision r = Preflight.ready(s.ref(), revisions, name, "tag it");
        String unchanged = null;
        var existing = s.taggedEntry(tag);
        if (existing.isPresent()) {
            String holder = existing.get().resolve(s.latestReadyRevision());
            if (existing.get().latest() || !r.name().equals(holder)) {
                throw RunbookException.invalid("tag " + tag + " already points to " + existing.get().label()
                        + "; choose another --name");
            }
            unchanged = r.name() + " is already tagged " + tag;
        }
        return new Plan("tag --name " + tag + (revision != null ? " --revision " + revision : ""), s.ref(), "tag " + r.name() + " as " + tag + " (traffic split unchanged)", s,
                unchanged != null ? s.traffic() : TrafficPlanner.tag(s.traffic(), r.name(), tag), List.of(), unchanged);
    }
}

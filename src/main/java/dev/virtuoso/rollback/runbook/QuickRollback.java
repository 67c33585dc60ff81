package dev.virtuoso.rollback.runbook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Method 1 of the written runbook: route traffic to a revision that already exists. */
public final class QuickRollback {
    private QuickRollback() {
    }

    /** Where traffic should go. */
    public sealed interface Destination {
    }

    public record ToRevision(String name) implements Destination {
    }

    public record ToTag(String tag) implements Destination {
    }

    public record Previous() implements Destination {
    }

    public record ToLatest() implements Destination {
    }

    /** The command as the user typed it, for history: {@code quick --to-revision R --percent 10}. */
    static String command(Destination to, int percent) {
        String target = to instanceof ToRevision r ? "--to-revision " + r.name()
                : to instanceof ToTag t ? "--to-tag " + t.tag()
                : to instanceof Previous ? "--previous" : "--to-latest";
        return "quick " + target + (percent == 100 ? "" : " --percent " + percent);
    }

    public static void checkPercent(int percent) {
        if (percent < 1 || percent > 100) {
            throw RunbookException.invalid("--percent must be between 1 and 100, not " + percent);
        }
    }

    public static Plan plan(ServiceState s, List<Revision> revisions, Destination to, int percent) {
        checkPercent(percent);
        if (to instanceof ToLatest) {
            if (percent != 100) {
                throw RunbookException.invalid("--percent goes with a revision target, not --to-latest");
            }
            return toLatest(s);
        }
        String current = s.servingRevision().orElse(null);
        String target = resolve(s, revisions, to, current);
        Preflight.ready(s.ref(), revisions, target);
        if (percent < 100 && (current == null || current.equals(target))) {
            throw RunbookException.invalid(target + " already serves the most traffic; --percent splits traffic "
                    + "between the target and the revision serving now");
        }
        Map<String, Integer> wanted = new LinkedHashMap<>();
        wanted.put(target, percent);
        if (percent < 100) {
            wanted.put(current, 100 - percent);
        }
        String summary = percent == 100
                ? "route 100% of " + s.ref().name() + " traffic to " + target
                : "route " + percent + "% of " + s.ref().name() + " traffic to " + target + " and "
                        + (100 - percent) + "% to " + current;
        List<String> notes = new ArrayList<>();
        notes.add("traffic will be pinned to " + (percent == 100 ? target : target + " and " + current)
                + ": new deployments get 0% until `rollback quick --to-latest`");
        keptTags(s).ifPresent(notes::add);
        String unchanged = !s.reconciling() && s.serving().equals(wanted)
                ? "already serving " + describe(wanted) : null;
        return new Plan(command(to, percent), s.ref(), summary, s,
                TrafficPlanner.route(s.traffic(), target, percent, current), notes, unchanged);
    }

    private static Plan toLatest(ServiceState s) {
        boolean already = !s.reconciling()
                && s.traffic().stream().anyMatch(e -> e.latest() && e.percent() == 100);
        List<String> notes = new ArrayList<>();
        notes.add("un-pins the service: each new Ready revision will serve 100% as it is deployed");
        keptTags(s).ifPresent(notes::add);
        return new Plan(command(new ToLatest(), 100), s.ref(), "route 100% of " + s.ref().name()
                + " traffic to the latest Ready revision ("
                + s.latestReadyRevision() + " now)", s, TrafficPlanner.toLatest(s.traffic()), notes,
                already ? "already serving LATEST (" + s.latestReadyRevision() + ") 100%" : null);
    }

    private static String resolve(ServiceState s, List<Revision> revisions, Destination to, String current) {
        if (to instanceof ToRevision r) {
            return r.name().substring(r.name().lastIndexOf('/') + 1);
        }
        if (to instanceof ToTag t) {
            return s.taggedEntry(t.tag()).map(e -> e.resolve(s.latestReadyRevision())).orElseThrow(() ->
                    RunbookException.invalid("no tag " + t.tag() + " on service " + s.ref().name() + tags(s)));
        }
        if (current == null) {
            throw RunbookException.invalid("service " + s.ref().name() + " serves no revision; name one with --to-revision");
        }
        Revision serving = Preflight.find(s.ref(), revisions, current);
        // "Previous" is the newest Ready revision created before the one serving now: the newest
        // revisions after a bad deploy are often ones that never became Ready (GCP-NOTES).
        return revisions.stream()
                .filter(r -> r.ready() && r.created().isBefore(serving.created()))
                .findFirst()
                .map(Revision::name)
                .orElseThrow(() -> RunbookException.invalid("no Ready revision of " + s.ref().name()
                        + " is older than " + current + "; name one with --to-revision"));
    }

    private static String tags(ServiceState s) {
        List<String> tags = s.traffic().stream().map(TrafficEntry::tag).filter(t -> t != null).toList();
        return tags.isEmpty() ? " (it has no tags)" : " (tags: " + String.join(", ", tags) + ")";
    }

    private static java.util.Optional<String> keptTags(ServiceState s) {
        List<String> tags = s.traffic().stream().map(TrafficEntry::tag).filter(t -> t != null).toList();
        return tags.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of("tags kept: " + String.join(", ", tags));
    }

    static String describe(Map<String, Integer> serving) {
        List<String> parts = new ArrayList<>();
        serving.forEach((rev, p) -> parts.add(rev + " (" + p + "%)"));
        return String.join(" and ", parts);
    }
}

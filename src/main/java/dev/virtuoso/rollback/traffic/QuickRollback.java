package dev.virtuoso.rollback.traffic;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Preflight;
import dev.virtuoso.rollback.change.ServiceSteps;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.TrafficPlanner;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    private static void checkPercent(int percent) {
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
        String fixFirst = current != null && current.equals(s.latestReadyRevision()) && !current.equals(target)
                ? "; deploy a fix first: the latest Ready revision is still " + current + ", the one rolled back from"
                : "";
        notes.add("traffic will be pinned to " + (percent == 100 ? target : target + " and " + current)
                + ": new deployments get 0% until `rollback quick --to-latest`" + fixFirst);
        keptTags(s).ifPresent(notes::add);
        String unchanged = !s.reconciling() && s.serving().equals(wanted)
                ? "already serving " + ServiceState.describe(wanted) : null;
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

    /** The revision {@code to} routes to (for `--to-latest`, the latest Ready one), checked to exist. */
    public static Revision target(ServiceState s, List<Revision> revisions, Destination to) {
        String name = to instanceof ToLatest ? s.latestReadyRevision()
                : resolve(s, revisions, to, s.servingRevision().orElse(null));
        return Preflight.find(s.ref(), revisions, name);
    }

    /**
     * What a quick rollback was asked for, from the command line; {@code seen}, for automation, the
     * service as it was when the decision to roll back was made.
     */
    public record Request(ServiceRef service, Destination to, int percent, boolean again, boolean acceptRolledBack,
                          boolean force, Optional<ServiceState> seen) {
    }

    /**
     * Reads the service, plans, and checks the plan before it is offered: against the journal
     * (never walk back too far) and against the secrets the target revision reads.
     */
    public static Guarded prepare(Request req, ServiceControl control, SecretStore secrets, List<JournalRecord> history,
                                  Instant now, boolean cannotAsk) {
        checkPercent(req.percent());
        ServiceState s = control.service(req.service());
        req.seen().ifPresent(seen -> unchangedSince(seen, s));
        List<Revision> revisions = control.revisions(req.service());
        if (req.to() instanceof Previous && req.again()) {
            againFromWhatTheJournalLeft(new ServiceSteps.ServiceNow(s, revisions), history, now);
        }
        Plan plan = plan(s, revisions, req.to(), req.percent());
        Guarded g = guard(plan, req.to(), history, now, req.again(), req.acceptRolledBack(), cannotAsk);
        if (plan.unchanged()) {
            return g;
        }
        List<String> notes = Preflight.secrets(target(s, revisions, req.to()), req.service().project(), secrets,
                req.force());
        return new Guarded(g.plan().withNotes(notes), g.caution());
    }

    /**
     * Exit 5 when the service is no longer as it was {@code seen}: a decision made on what served then
     * (a trigger judged by a watch) must not act on what someone changed since, from another machine
     * or the console.
     */
    private static void unchangedSince(ServiceState seen, ServiceState now) {
        if (now.generation() != seen.generation() || !now.etag().equals(seen.etag())) {
            throw new RunbookException(ExitCode.CONFLICT, now.ref().name() + " changed since it was judged "
                    + "(generation " + seen.generation() + " → " + now.generation() + "): it now serves "
                    + (now.serving().isEmpty() ? "no revision" : ServiceState.describe(now.serving())));
        }
    }

    /**
     * `--again` goes one further back from what the newest journaled change of the service left:
     * someone who changed it since (from another machine, the console) took that ground away. Exit 5.
     */
    private static void againFromWhatTheJournalLeft(ServiceSteps.ServiceNow service, List<JournalRecord> history,
                                                   Instant now) {
        ServiceRef ref = service.state().ref();
        Journal.newest(history, r -> r.changed() && r.parent() == null && ref.path().equals(r.target())
                && ServiceSteps.KINDS.contains(r.kind())).ifPresent(r -> ServiceSteps.serviceChanged(r, service, history)
                .ifPresent(what -> {
                    throw new RunbookException(ExitCode.CONFLICT, "--again goes one further back from what `"
                            + r.command() + "` left (" + r.ago(now) + ", by " + r.user() + ", journal " + r.id()
                            + "), but " + what + "; nothing was sent: name the revision to go to with "
                            + "`rollback quick --to-revision R`");
                }));
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
        // revisions after a bad deploy are often ones that never became Ready.
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

    private static Optional<String> keptTags(ServiceState s) {
        List<String> tags = s.traffic().stream().map(TrafficEntry::tag).filter(t -> t != null).toList();
        return tags.isEmpty() ? Optional.empty() : Optional.of("tags kept: " + String.join(", ", tags));
    }

    /** A rollback to the revision serving now within this long makes `--previous` ask for `--again`. */
    public static final Duration RECENT = Duration.ofHours(1);

    /** A plan checked against the journal, and the second question it needs, if any. */
    public record Guarded(Plan plan, String caution) {
    }

    /**
     * What the journal says about a quick rollback before it is offered — never walk back too far:
     * <ul>
     * <li>`--previous` right after a rollback would walk back twice (00003 → 00002 → 00001): when the
     * revision serving now was itself routed to within {@link #RECENT}, stop, say when and by whom,
     * and offer `--previous --again`;
     * <li>`--to-latest` when the latest Ready revision is one a rollback moved away from routes back
     * to it: the plan says so, and a second question is asked — or, where none can be
     * ({@code cannotAsk}: --yes), `--accept-rolled-back` is required.
     * </ul>
     */
    public static Guarded guard(Plan plan, Destination to, List<JournalRecord> history, Instant now, boolean again,
                                boolean acceptRolledBack, boolean cannotAsk) {
        ServiceState s = plan.before();
        if (to instanceof Previous && !again) {
            rolledBackTo(history, s, now).ifPresent(why -> {
                throw RunbookException.invalid(why + "; --previous now would go one further back: to do that, "
                        + "`rollback quick --previous --again`");
            });
        }
        if (!(to instanceof ToLatest) || plan.unchanged()) {
            return new Guarded(plan, null);
        }
        String latest = s.latestReadyRevision();
        Optional<JournalRecord> away = rolledBackFrom(history, s.ref(), latest);
        if (away.isEmpty()) {
            return new Guarded(plan, null);
        }
        JournalRecord r = away.get();
        String why = latest + " is the revision `" + r.command() + "` rolled back from " + r.ago(now) + " (by "
                + r.user() + ", journal " + r.id() + ")";
        Plan noted = plan.withNote(why + ": this routes traffic back to it; deploy a fix first");
        if (acceptRolledBack) {
            return new Guarded(noted, null);
        }
        if (cannotAsk) {
            throw RunbookException.invalid(why + "; routing traffic back to it needs --accept-rolled-back (or deploy a "
                    + "fix first); nothing was changed");
        }
        return new Guarded(noted, "Route traffic back to " + latest + ", which was rolled back from?");
    }


    /**
     * Why the revision serving now serves, when a rollback of the last {@link #RECENT} made it: a quick
     * move to it, an image rollback that deployed it or routed to it, or a git revert whose deploy it
     * is (not an undo, a move to LATEST or a drill's step). "Previous" from there walks back twice —
     * often onto the very release rolled back from, since a rollback's new revision is the newest.
     */
    public static Optional<String> rolledBackTo(List<JournalRecord> history, ServiceState s, Instant now) {
        String serving = s.servingRevision().orElse(null);
        return Journal.newest(history, r -> serving != null && r.changed() && r.parent() == null
                && s.ref().path().equals(r.target()) && r.time().isAfter(now.minus(RECENT)) && madeServe(r, serving))
                .map(r -> serving + " serves because of `" + r.command() + "` " + r.ago(now) + " (by " + r.user()
                        + ", journal " + r.id() + ")");
    }

    /**
     * A step that rolled its service back: a quick move to a revision (not to LATEST, which goes
     * forward), an image rollback or a git revert — also those automation made (`watch --auto` and
     * `respond` roll back through `quick --previous`). Not an undo (of a rollback, it goes forward
     * again), a tag, a policy or a data restore.
     */
    public static boolean rollsBack(JournalRecord r) {
        String command = r.command() == null ? "" : r.command();
        return command.startsWith("quick ") && !command.startsWith("quick --to-latest")
                || command.startsWith("image ") || command.startsWith("git ");
    }

    private static boolean madeServe(JournalRecord r, String revision) {
        if (!rollsBack(r)) {
            return false;
        }
        return TrafficChange.KIND.equals(r.kind()) ? r.to() != null && r.to().startsWith(revision)
                : ServiceSteps.revisionMade(r).map(revision::equals).orElse(false);
    }

    /** The newest journaled change of this service's traffic that moved away from {@code revision}. */
    public static Optional<JournalRecord> rolledBackFrom(List<JournalRecord> history, ServiceRef ref, String revision) {
        return newestChange(history, ref, r -> revision != null && revision.equals(r.from()) && r.to() != null
                && !r.to().startsWith(revision) && !r.command().startsWith("quick --to-latest"));
    }

    private static Optional<JournalRecord> newestChange(List<JournalRecord> history, ServiceRef ref,
                                                        java.util.function.Predicate<JournalRecord> which) {
        return Journal.newest(history, r -> TrafficChange.KIND.equals(r.kind()) && r.changed()
                && ref.path().equals(r.target()) && which.test(r));
    }

}

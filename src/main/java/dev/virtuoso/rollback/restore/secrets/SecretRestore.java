package dev.virtuoso.rollback.restore.secrets;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.change.ServiceSteps;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.image.ImageRollback;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The written runbook's secret rollback done safely: its "disable the new version" would make
 * latest (the newest version, whatever its state) unreadable.
 * {@code latest} is the most recently created version whatever its state, and reading a disabled
 * version fails: "disable version 2, enable version 1" leaves every reader of {@code latest} unable
 * to start. So the default adds a version holding the old payload ({@code latest} serves the old
 * value, history kept); {@code disable-newer} refuses while the service reads {@code latest}. The
 * service is read to say who reads the secret how: pinned versions are unaffected, environment
 * variables are read at instance start (a new revision picks the change up: {@code --redeploy}),
 * volumes on each file read.
 */
public final class SecretRestore {
    private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9_-]{1,255}");

    private SecretRestore() {
    }

    public enum Strategy {
        ADD_VERSION, DISABLE_NEWER;

        public static Strategy parse(String s) {
            return switch (s) {
                case "add-version" -> ADD_VERSION;
                case "disable-newer" -> DISABLE_NEWER;
                default -> throw RunbookException.invalid("--strategy must be add-version or disable-newer, not " + s);
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** {@code restore secrets}: the secret (an id of the service's project), the version to serve again, how. */
    public record Request(ServiceRef service, String secret, String toVersion, Strategy strategy, boolean force,
                          boolean redeploy) {
        String command() {
            return "restore secrets --secret " + secret + " --to-version " + toVersion
                    + (strategy == Strategy.ADD_VERSION ? "" : " --strategy " + strategy)
                    + (force ? " --force" : "") + (redeploy ? " --redeploy" : "");
        }
    }

    /** Everything is checked here, before anything changes: the secret, the version, who reads it and how. */
    public static Change<?> prepare(Request req, SecretStore store, ServiceControl control, Instant now) {
        if (!SECRET_ID.matcher(req.secret()).matches()) {
            throw RunbookException.invalid("--secret must be a secret id (letters, digits, - and _), not "
                    + req.secret());
        }
        if (!req.toVersion().matches("[1-9][0-9]{0,9}")) {
            throw RunbookException.invalid("--to-version must be a version number (1, 2, ...), not " + req.toVersion());
        }
        String project = req.service().project();
        List<SecretStore.Version> versions = store.versions(project, req.secret());
        SecretStore.Version target = versions.stream().filter(v -> v.number().equals(req.toVersion())).findFirst()
                .orElseThrow(() -> RunbookException.invalid("secret " + req.secret() + " has no version "
                        + req.toVersion() + " (" + list(versions) + ")"));
        if (target.state() == SecretStore.VersionState.DESTROYED) {
            throw RunbookException.invalid("version " + target.number() + " of secret " + req.secret() + " is DESTROYED:"
                    + " its payload is gone for good; pick another version (" + list(versions) + ")");
        }
        SecretStore.Version latest = newest(versions).orElseThrow();
        Readers readers = Readers.of(req.service(), req.secret(), control);
        List<String> notes = new ArrayList<>();
        List<SecretChange.Step> steps = new ArrayList<>();
        String summary;
        String unchanged = null;
        if (req.strategy() == Strategy.ADD_VERSION) {
            if (!target.enabled()) {
                throw RunbookException.invalid("version " + target.number() + " of secret " + req.secret() + " is "
                        + target.state() + ", so its payload cannot be copied; enable it first, or use "
                        + "--strategy disable-newer (read its warning in `rollback restore secrets --help`)");
            }
            summary = "make latest of secret " + req.secret() + " serve the payload of version " + target.number();
            if (latest.enabled() && (latest.equals(target)
                    || store.samePayload(project, req.secret(), latest.number(), target.number()))) {
                unchanged = "latest of secret " + req.secret() + " (version " + latest.number() + ") holds the payload "
                        + "of version " + target.number() + " already";
            } else {
                steps.add(new SecretChange.Step(SecretChange.Step.Action.ADD_COPY_OF, target.number()));
                notes.add("nothing is disabled or destroyed: the versions stay as they are, and latest serves the old "
                        + "value");
            }
        } else {
            summary = (target.enabled() ? "" : "enable version " + target.number() + " of secret " + req.secret()
                    + " and ") + "disable the versions of secret " + req.secret() + " newer than " + target.number();
            if (!target.enabled()) {
                steps.add(new SecretChange.Step(SecretChange.Step.Action.ENABLE, target.number()));
            }
            versions.stream().filter(v -> Long.parseLong(v.number()) > Long.parseLong(target.number()) && v.enabled())
                    .forEach(v -> steps.add(new SecretChange.Step(SecretChange.Step.Action.DISABLE, v.number())));
            if (steps.isEmpty()) {
                unchanged = "version " + target.number() + " of secret " + req.secret() + " is enabled and no newer "
                        + "version is" + (latest.enabled() ? "" : "; latest (version " + latest.number() + ", "
                        + latest.state() + ") stays unreadable: the default --strategy add-version makes it serve "
                        + "version " + target.number() + "'s value");
            }
            if (!latest.equals(target)) {
                String problem = readers.disablingBreaks(steps, true);
                if (problem != null && !req.force()) {
                    throw RunbookException.invalid(problem + "; use the default --strategy add-version, or pass "
                            + "--force to go on anyway");
                }
                notes.add("latest of secret " + req.secret() + " stays version " + latest.number() + ", which will be "
                        + "DISABLED: anything reading latest fails" + (problem == null ? "" : " (going on: --force)"));
            }
        }
        notes.addAll(readers.notes(steps, target.number(), req.strategy()));
        ImageChange redeploy = null;
        Optional<Revision> rereads = readers.envLatest();
        if (req.redeploy()) {
            if (rereads.isEmpty()) {
                notes.add("--redeploy: no revision serving " + req.service().name() + " reads " + req.secret()
                        + " as latest through an environment variable, so no new revision is needed");
            } else if (steps.isEmpty() && !rereads.get().created().isBefore(latest.created())) {
                notes.add("--redeploy: " + rereads.get().name() + " was created after version " + latest.number()
                        + ", so its instances read it already");
            } else {
                redeploy = readers.redeploy(rereads.get(), ImageRollback.freshName(req.service(), now), req.command());
                unchanged = null;
            }
        }
        return new SecretChange(project, req.secret(), req.command(), summary, versions, steps, redeploy,
                req.service(), readers.readLatest() ? readers.state : null, notes, unchanged, store);
    }

    /**
     * Undo of {@code record}: each version back to its state from before; a version the step added
     * cannot be removed (versions are never destroyed), so latest is made to serve what it served:
     * a copy of the version that was latest, or — when that one was unreadable — the added version
     * disabled, which is exactly what latest was.
     */
    public static Change<?> undo(JournalRecord record, String command, SecretStore store, ServiceControl control, Instant now) {
        String[] p = record.target().split("/");
        if (p.length != 4 || !p[2].equals("secrets")) {
            throw RunbookException.invalid("journal record " + record.id() + " did not change a secret");
        }
        String project = p[1];
        String secret = p[3];
        SecretChange.SecretState recorded = JournalStates.require(record, record.before(),
                SecretChange.SecretState.class, "secret versions");
        SecretChange.SecretState after = JournalStates.readHeld(record, record.after(), SecretChange.SecretState.class,
                "secret versions").orElse(SecretChange.SecretState.of(null));
        List<SecretStore.Version> was = versions(record, recorded);
        List<SecretStore.Version> nowVersions = store.versions(project, secret);
        List<String> added = after.added() == null ? List.of() : after.added();
        List<SecretChange.Step> steps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (SecretStore.Version v : nowVersions) {
            Optional<SecretStore.Version> before = was.stream().filter(w -> w.number().equals(v.number())).findFirst();
            if (before.isEmpty()) {
                if (!added.contains(v.number())) {
                    notes.add("version " + v.number() + " was added after " + record.id() + " by someone else: left as "
                            + "it is");
                }
                continue;
            }
            SecretStore.VersionState then = before.get().state();
            if (then == v.state()) {
                continue;
            }
            if (v.state() == SecretStore.VersionState.DESTROYED || then == SecretStore.VersionState.DESTROYED) {
                notes.add("version " + v.number() + " is " + v.state() + " now and was " + then + ": left as it is");
            } else {
                steps.add(new SecretChange.Step(then == SecretStore.VersionState.ENABLED ? SecretChange.Step.Action.ENABLE
                        : SecretChange.Step.Action.DISABLE, v.number()));
            }
        }
        Optional<SecretStore.Version> latestThen = newest(was);
        List<String> ours = nowVersions.stream().filter(v -> added.contains(v.number()) && v.enabled())
                .map(SecretStore.Version::number).toList();
        if (!ours.isEmpty() && latestThen.isPresent()) {
            if (latestThen.get().enabled()) {
                steps.add(new SecretChange.Step(SecretChange.Step.Action.ADD_COPY_OF, latestThen.get().number()));
                notes.add("versions are never destroyed: version " + String.join(", ", ours) + " stays, and a copy of "
                        + "version " + latestThen.get().number() + " (latest before " + record.id() + ") becomes latest");
            } else {
                ours.forEach(n -> steps.add(new SecretChange.Step(SecretChange.Step.Action.DISABLE, n)));
                notes.add("before " + record.id() + " latest was version " + latestThen.get().number() + ", "
                        + latestThen.get().state() + " (unreadable): disabling version " + String.join(", ", ours)
                        + " makes latest unreadable again, exactly as it was; to serve a value instead run "
                        + "`rollback restore secrets --secret " + secret + " --to-version N`");
            }
        }
        notes.add("undo is itself journaled: `rollback undo` again puts back what this replaces");
        String unchanged = steps.isEmpty() ? "the versions of secret " + secret + " are as they were before "
                + record.id() : null;
        ServiceRef readBy = ServiceSteps.service(recorded.readBy() == null ? "" : recorded.readBy(), record);
        Readers readers = Readers.of(readBy, secret, control);
        // Putting back an unreadable latest while a serving revision reads it is the runbook's bug 2 again.
        boolean latestUnreadable = ours.size() > 0 && latestThen.isPresent() && !latestThen.get().enabled();
        String problem = steps.isEmpty() ? null : readers.disablingBreaks(steps, latestUnreadable);
        if (problem != null) {
            throw RunbookException.invalid("refusing to undo " + record.id() + ": " + problem + "; nothing was "
                    + "changed (`rollback restore secrets` serves a readable version instead)");
        }
        ImageChange redeploy = null;
        Optional<Revision> rereads = readers.envLatest();
        if (after.redeployed() != null && !steps.isEmpty() && rereads.isPresent()) {
            redeploy = readers.redeploy(rereads.get(), ImageRollback.freshName(readBy, now), command);
            notes.add(record.id() + " redeployed the service, so this redeploys it too: its instances read the "
                    + "secret again");
        }
        return new SecretChange(project, secret, command, "put back the versions of secret " + secret
                + " recorded before " + record.id() + " (" + record.command() + ", " + record.time().truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS) + ")",
                nowVersions, steps, redeploy, readBy, readers.readLatest() ? readers.state : null, notes, unchanged,
                store);
    }

    /** Versions whose state is not what {@code record} left, or that were added after it. */
    public static Optional<String> laterChange(JournalRecord record, SecretStore store) {
        String[] p = record.target().split("/");
        Optional<SecretChange.SecretState> after = JournalStates.readHeld(record, record.after(),
                SecretChange.SecretState.class, "secret versions").filter(a -> a.versions() != null);
        if (p.length != 4 || !p[2].equals("secrets") || after.isEmpty()) {
            return Optional.empty(); // not a secret step, or one that read nothing: its undo says so
        }
        List<SecretStore.Version> left = after.get().versions();
        List<String> changed = new ArrayList<>();
        for (SecretStore.Version v : store.versions(p[1], p[3])) {
            Optional<SecretStore.Version> then = left.stream().filter(w -> w.number().equals(v.number())).findFirst();
            if (then.isEmpty()) {
                changed.add("version " + v.number() + " was added (" + v.state() + ")");
            } else if (then.get().state() != v.state()) {
                changed.add("version " + v.number() + " is " + v.state() + " (the step left it " + then.get().state()
                        + ")");
            }
        }
        return changed.isEmpty() ? Optional.empty() : Optional.of("secret " + p[3] + " changed after it: "
                + String.join(", ", changed));
    }

    /** The newest version: the one "latest" reads. */
    static Optional<SecretStore.Version> newest(List<SecretStore.Version> versions) {
        return versions.stream().max(Comparator.comparingLong(v -> Long.parseLong(v.number())));
    }

    /** The versions {@code state} of {@code record} holds: exit 2 when none (the journal was edited). */
    private static List<SecretStore.Version> versions(JournalRecord record, SecretChange.SecretState state) {
        if (state.versions() == null || state.versions().stream().anyMatch(v -> v.number() == null || v.state() == null)) {
            throw RunbookException.invalid("journal record " + record.id() + " holds no secret versions; was the "
                    + "journal edited? Nothing was changed");
        }
        return state.versions();
    }

    private static String list(List<SecretStore.Version> versions) {
        return versions.isEmpty() ? "it has no versions" : "versions: " + String.join(", ", versions.stream()
                .map(v -> v.number() + " " + v.state()).toList());
    }

    /** The revisions serving the service that read the secret, and how. */
    private static final class Readers {
        final ServiceState state;
        final String secret;
        final List<Revision> revisions;
        final List<Revision> serving;
        final ServiceControl control;

        private Readers(ServiceState state, String secret, List<Revision> revisions, ServiceControl control) {
            this.state = state;
            this.secret = secret;
            this.revisions = revisions;
            this.serving = revisions.stream().filter(r -> state.serving().containsKey(r.name())).toList();
            this.control = control;
        }

        static Readers of(ServiceRef ref, String secret, ServiceControl control) {
            return new Readers(control.service(ref), secret, control.revisions(ref), control);
        }

        List<Revision.SecretUse> uses(Revision r) {
            // Cloud Run names a secret by id, or by resource name (projects/P/secrets/S) for another project's.
            return r.secrets().stream().filter(u -> u.secret().equals(secret) || u.secret().endsWith("/secrets/"
                    + secret)).toList();
        }

        boolean readLatest() {
            return serving.stream().anyMatch(r -> uses(r).stream().anyMatch(Revision.SecretUse::latest));
        }

        /** The serving revision reading the secret as latest through an environment variable (read at start). */
        Optional<Revision> envLatest() {
            return serving.stream().filter(r -> r.name().equals(state.servingRevision().orElse(null)))
                    .filter(r -> uses(r).stream().anyMatch(u -> u.latest() && u.where().startsWith("env "))).findFirst();
        }

        /** Why these steps would break a serving revision (latest left unreadable, a pinned version disabled), or null. */
        String disablingBreaks(List<SecretChange.Step> steps, boolean latestUnreadable) {
            for (Revision r : serving) {
                for (Revision.SecretUse u : uses(r)) {
                    if (u.latest() && latestUnreadable) {
                        return r.name() + " (serving " + state.serving().get(r.name()) + "%) reads secret " + secret
                                + " as latest (" + u.where() + "); latest would be a disabled version, unreadable, "
                                + "and its new instances would fail to start";
                    }
                    if (steps.stream().anyMatch(s -> s.action() == SecretChange.Step.Action.DISABLE
                            && s.version().equals(u.version()))) {
                        return r.name() + " (serving " + state.serving().get(r.name()) + "%) pins secret " + secret
                                + " version " + u.version() + " (" + u.where() + "), which this disables: its new "
                                + "instances would fail to start";
                    }
                }
            }
            return null;
        }

        List<String> notes(List<SecretChange.Step> steps, String target, Strategy strategy) {
            List<String> notes = new ArrayList<>();
            for (Revision r : serving) {
                for (Revision.SecretUse u : uses(r)) {
                    String who = r.name() + " reads " + secret + " ";
                    if (!u.latest()) {
                        notes.add(who + "pinned at version " + u.version() + " (" + u.where() + "): "
                                + (u.version().equals(target) ? "the value this restores already"
                                : "it does not read latest, so this does not change what it serves; to serve version "
                                + target + ", deploy a revision that pins it"));
                    } else if (u.where().startsWith("env ")) {
                        notes.add(who + "as latest through " + u.where().substring(4) + ", an environment variable read "
                                + "at instance start: running instances keep the old value, new ones read the new; "
                                + "--redeploy makes a new revision so that every instance does");
                    } else {
                        notes.add(who + "as latest through the " + u.where() + ": each file read gets the restored "
                                + "value, no redeploy needed");
                    }
                }
            }
            if (notes.isEmpty()) {
                notes.add("no revision serving " + state.ref().name() + " reads secret " + secret);
            }
            return notes;
        }

        /**
         * A new revision of {@code r}'s image, taking {@code r}'s traffic: the same revision, started again.
         * A redeploy an earlier run sent and did not see finish keeps its revision's name, so it is adopted.
         */
        ImageChange redeploy(Revision r, String fresh, String command) {
            String name = ImageChange.revisionName(state, r.image(), revisions, fresh);
            if (state.templateConfig() == null || !state.templateConfig().equals(r.config())) {
                throw RunbookException.invalid("--redeploy: the service's template differs from " + r.name() + "'s "
                        + "configuration (a later deploy changed it), so a new revision would not be " + r.name()
                        + " started again; deploy it with `rollback image --image " + r.image() + "`");
            }
            // The new revision takes r's percent; a tag stays on r (at 0%), so its URL serves what it did.
            List<TrafficEntry> traffic = new ArrayList<>();
            for (TrafficEntry e : state.traffic()) {
                if (!r.name().equals(e.revision()) || e.percent() == 0) {
                    traffic.add(e);
                    continue;
                }
                traffic.add(TrafficEntry.toRevision(name, e.percent()));
                if (e.tag() != null) {
                    traffic.add(TrafficEntry.toRevision(r.name(), 0).withTag(e.tag()));
                }
            }
            return ImageChange.redeploy(command, state, r.image(), name, traffic, List.of(), control);
        }
    }
}

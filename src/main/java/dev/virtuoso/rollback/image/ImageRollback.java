package dev.virtuoso.rollback.image;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Preflight;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Method 2 of the written runbook: serve a previous container image again. The image history is
 * the service's own revisions (what each ran, newest first): no registry call. When a Ready
 * revision already runs that image with the same configuration, traffic goes to it (no new
 * revision, no cold start); otherwise the image is deployed as a new revision, and traffic moves to
 * it once it is Ready.
 */
public final class ImageRollback {
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);
    /** A revision name is a DNS label. */
    private static final int MAX_NAME = 63;
    /** Random base-36 characters that end every name: 1.7 million to one that two runs meet. */
    private static final int SALT = 4;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The parts of an image reference (see {@link #checkReference}). */
    private static final Pattern REGISTRY = Pattern.compile(
            "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private ImageRollback() {
    }

    /** Which image to serve. */
    public sealed interface Source {
    }

    public record ToImage(String ref) implements Source {
    }

    public record Previous() implements Source {
    }

    public record Request(ServiceRef service, Source source, boolean forceRedeploy, boolean force) {
        String command() {
            return "image " + (source instanceof ToImage i ? "--image " + i.ref() : "--previous")
                    + (forceRedeploy ? " --force-redeploy" : "");
        }
    }

    /**
     * The change to make: traffic to a revision that already runs the image, or a deploy of it.
     * The target's secrets are checked as for `quick` (a pinned version that is disabled stops it),
     * and `--previous` never walks back twice (the journal's {@code history} says what a rollback made).
     */
    public static Change<?> prepare(Request req, ServiceControl control, SecretStore secrets, List<JournalRecord> history,
                                 Instant now) {
        if (req.source() instanceof ToImage i) {
            checkReference(i.ref());
        }
        ServiceState s = control.service(req.service());
        List<Revision> revisions = control.revisions(req.service());
        String serving = s.servingRevision().orElseThrow(() -> RunbookException.invalid("service "
                + req.service().name() + " serves no revision; use `rollback quick --to-revision`"));
        String current = Preflight.find(req.service(), revisions, serving).image();
        String image = image(req.source(), revisions, serving, current);
        if (req.source() instanceof Previous) {
            // A rollback's revision is the newest, so the image "before" it is often the release it rolled back from.
            QuickRollback.rolledBackTo(history, s, now).ifPresent(why -> {
                throw RunbookException.invalid(why + "; --previous now would go one further back, to " + image
                        + ": to do that, name it: `rollback image --image " + image + "`");
            });
        }
        String command = req.command();
        if (image.equals(current) && !req.forceRedeploy()) {
            return new TrafficChange(new Plan(command, req.service(), "serve " + image, s, s.traffic(), List.of(),
                    serving + " serves " + image + " already"), control);
        }
        Optional<Revision> reuse = req.forceRedeploy() ? Optional.empty() : revisions.stream()
                .filter(r -> r.ready() && image.equals(r.image()) && r.config() != null
                        && r.config().equals(s.templateConfig()))
                .findFirst();
        if (reuse.isPresent()) {
            Revision r = reuse.get();
            List<String> notes = new ArrayList<>(Preflight.secrets(r, req.service().project(), secrets, req.force()));
            notes.add(0, r.name() + " already runs " + image + " with the service's configuration: traffic goes to it, "
                    + "no new revision, no cold start (--force-redeploy deploys anyway" + (s.followsLatest()
                    ? ", and keeps the service following LATEST: an older revision is served only pinned)" : ")"));
            Plan plan = QuickRollback.plan(s, revisions, new QuickRollback.ToRevision(r.name()), 100);
            return new TrafficChange(new Plan(command, plan.service(), "serve " + image + " from " + r.name()
                    + " (image " + current + " → " + image + ")", s, plan.after(), concat(notes, plan.notes()),
                    plan.unchangedReason()), control);
        }
        Revision template = madeFromTemplate(revisions, s);
        List<String> notes = new ArrayList<>(template == null ? List.of()
                : Preflight.secrets(template, req.service().project(), secrets, req.force()));
        if (revisions.stream().noneMatch(r -> r.ready() && image.equals(r.image()))) {
            notes.add(0, "no revision of " + req.service().name() + " ever ran " + image + " (a typo, or another "
                    + "registry?); the images it ran, newest first: " + String.join(", ", revisions.stream()
                    .filter(r -> r.ready() && r.image() != null).map(Revision::image).distinct().limit(3).toList()));
        }
        return ImageChange.deploy(command, s, current, image, ImageChange.revisionName(s, image, revisions,
                freshName(req.service(), now)), notes, control);
    }

    /**
     * Refuses what is not an image reference (exit 2, before any call), by the Docker/OCI grammar:
     * {@code [registry[:port]/]path[:tag][@sha256:digest]}, the path in lowercase components.
     * Cloud Run would take the update and only the new revision would fail, pulling nothing.
     */
    static void checkReference(String ref) {
        String why = referenceProblem(ref);
        if (why != null) {
            throw RunbookException.invalid("--image '" + ref + "' is not an image reference (REGISTRY/PATH:TAG or "
                    + "REGISTRY/PATH@sha256:DIGEST): " + why);
        }
    }

    private static String referenceProblem(String ref) {
        if (ref.isEmpty()) {
            return "it is empty";
        }
        if (ref.chars().anyMatch(Character::isWhitespace)) {
            return "no spaces";
        }
        String name = ref;
        int at = name.indexOf('@');
        if (at >= 0) {
            if (!DIGEST.matcher(name.substring(at + 1)).matches()) {
                return "a digest is sha256: and 64 hex digits";
            }
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            if (!TAG.matcher(name.substring(colon + 1)).matches()) {
                return "a tag is 1 to 128 letters, digits, _ . - (not - or . first)";
            }
            name = name.substring(0, colon);
        } else if (at < 0) {
            // Without either, the registry serves :latest, which moves: not something to roll back to.
            return "name the tag or the digest to roll back to (without one it means :latest, which moves)";
        }
        if (name.length() > 255) {
            return "the name is longer than 255 characters";
        }
        String[] parts = name.split("/", -1);
        int first = 0;
        // As docker reads it: the first part names a registry when it has a dot or a port, or is localhost.
        if (parts.length > 1 && (parts[0].contains(".") || parts[0].contains(":") || parts[0].equals("localhost"))) {
            if (!REGISTRY.matcher(parts[0]).matches()) {
                return "the registry is a host name, and a port if any (gcr.io, europe-docker.pkg.dev, localhost:5000)";
            }
            first = 1;
        }
        for (int i = first; i < parts.length; i++) {
            if (!PATH_COMPONENT.matcher(parts[i]).matches()) {
                return "the path is lowercase letters, digits and . _ - between /";
            }
        }
        return null;
    }

    /** The image asked for, or the newest image older than the serving revision's that differs from it. */
    static String image(Source source, List<Revision> revisions, String serving, String current) {
        if (source instanceof ToImage i) {
            return i.ref();
        }
        Revision now = revisions.stream().filter(r -> r.name().equals(serving)).findFirst().orElseThrow();
        return revisions.stream()
                .filter(r -> r.ready() && r.created().isBefore(now.created()) && r.image() != null
                        && !r.image().equals(current))
                .findFirst().map(Revision::image)
                .orElseThrow(() -> RunbookException.invalid("no Ready revision older than " + serving + " ran an image "
                        + "other than " + current + "; name one with --image"));
    }

    /**
     * A revision name of the service's own that no revision has yet: re-sending an existing name
     * with another configuration is ALREADY_EXISTS. Cloud Run wants {@code <service>-} first and a
     * DNS label (lowercase letters, digits and hyphens, no hyphen last, at most 63 characters) for
     * any service name it allows (fewer than 50 characters). {@code <service>-rollback-<UTC time>}
     * when it fits, else the time to the millisecond in base 36; random characters last, so that
     * two runs in the same millisecond differ too.
     */
    public static String freshName(ServiceRef ref, Instant now) {
        StringBuilder salt = new StringBuilder();
        for (int i = 0; i < SALT; i++) {
            salt.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        String readable = ref.name() + "-rollback-" + NAME_TIME.format(now) + "-" + salt;
        return readable.length() <= MAX_NAME ? readable
                : ref.name() + "-" + Long.toString(now.toEpochMilli(), 36) + salt;
    }

    /**
     * The newest revision made from the service's template as it is: the new revision reads the
     * same secrets, since only the image changes.
     */
    private static Revision madeFromTemplate(List<Revision> revisions, ServiceState s) {
        return revisions.stream().filter(r -> r.config() != null && r.config().equals(s.templateConfig())).findFirst()
                .orElse(null);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}

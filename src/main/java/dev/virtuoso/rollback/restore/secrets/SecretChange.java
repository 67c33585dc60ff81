package dev.virtuoso.rollback.restore.secrets;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.SecretStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Steps on one Secret Manager secret — add a version holding an older one's payload, enable or
 * disable versions; never destroy — and, when asked, a new revision of the service so that
 * environment variables read the secret again. Built by {@link SecretRestore}, which also makes
 * its undo. The payloads stay in Secret Manager: the tool asks it to copy one, and never holds it.
 */
public final class SecretChange implements Change<SecretChange.SecretState> {
    public static final String KIND = "secrets";

    /**
     * What a secrets record holds: each version's number, state and creation time (before, and what is
     * in effect); before, {@code readBy}, the service whose readers of the secret were weighed (its undo
     * weighs them again); asked, the {@code steps}; once applied, the versions {@code added}; and with a
     * redeploy, the service it was (to be) deployed to ({@code redeployed}) and that deploy's own state.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SecretState(List<SecretStore.Version> versions, String readBy, List<Step> steps, List<String> added,
                              String redeployed, ImageChange.ImageState service) {
        static SecretState of(List<SecretStore.Version> versions) {
            return new SecretState(versions, null, null, null, null, null);
        }

        SecretState redeployed(String target, ImageChange.ImageState deploy) {
            return new SecretState(versions, readBy, steps, added, target, deploy);
        }
    }

    /** One call to Secret Manager. */
    public record Step(Action action, String version) {
        public enum Action {
            ADD_COPY_OF, ENABLE, DISABLE
        }

        String describe(String next) {
            return switch (action) {
                case ADD_COPY_OF -> "add version " + next + " holding the payload of version " + version
                        + " (it becomes latest)";
                case ENABLE -> "enable version " + version;
                case DISABLE -> "disable version " + version + " (kept: `undo` or an enable brings it back)";
            };
        }
    }

    private final String project;
    private final String secret;
    private final String command;
    private final String summary;
    private final List<SecretStore.Version> versions;
    private final List<Step> steps;
    private final ImageChange redeploy;
    private final ServiceState readers;
    private final ServiceRef readBy;
    private final List<String> notes;
    private final String unchanged;
    private final SecretStore store;

    SecretChange(String project, String secret, String command, String summary, List<SecretStore.Version> versions,
                 List<Step> steps, ImageChange redeploy, ServiceRef readBy, ServiceState readers, List<String> notes,
                 String unchanged, SecretStore store) {
        this.project = project;
        this.secret = secret;
        this.command = command;
        this.summary = summary;
        this.versions = List.copyOf(versions);
        this.steps = List.copyOf(steps);
        this.redeploy = redeploy;
        this.readers = readers;
        this.readBy = readBy;
        this.notes = List.copyOf(notes);
        this.unchanged = unchanged;
        this.store = store;
    }

    @Override
    public About about() {
        return About.of(KIND, command, "projects/" + project + "/secrets/" + secret, project + "/secrets/" + secret,
                        summary)
                .withNotes(notes)
                .withChange(SecretRestore.newest(versions).map(v -> "latest=v" + v.number()).orElse(null), to())
                .withService(service())
                .withUpdatedService(updatedService())
                .withUnchangedReason(unchanged)
                .withProblem(redeploy == null ? null : redeploy.about().problem());
    }

    @Override
    public Class<SecretState> stateType() {
        return SecretState.class;
    }

    /** The service whose checks run after: one that reads the restored value (as latest), else none. */
    private Optional<ServiceState> service() {
        return Optional.ofNullable(readers);
    }

    /** Only a redeploy updates the service; a restore of versions alone leaves it be. */
    private Optional<ServiceState> updatedService() {
        return redeploy == null ? Optional.empty() : service();
    }

    @Override
    public List<Block> preview() {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Lines("versions now", describe(versions)));
        long next = SecretRestore.newest(versions).map(v -> Long.parseLong(v.number())).orElse(0L) + 1;
        List<String> lines = new ArrayList<>();
        for (Step s : steps) {
            lines.add(s.describe(String.valueOf(next)));
            if (s.action() == Step.Action.ADD_COPY_OF) {
                next++;
            }
        }
        if (redeploy != null) {
            lines.add(redeploy.about().summary() + ", so its instances read the secret again at start");
        }
        blocks.add(new Lines("steps", lines));
        if (redeploy != null) {
            blocks.addAll(redeploy.preview());
        }
        return blocks;
    }

    @Override
    public List<Block> shown(SecretState applied) {
        List<Block> blocks = new ArrayList<>(List.of(new Lines("versions", describe(applied.versions()))));
        if (redeploy != null && applied.service() != null) {
            blocks.addAll(redeploy.shown(applied.service()));
        }
        return blocks;
    }

    private static List<String> describe(List<SecretStore.Version> versions) {
        Optional<SecretStore.Version> latest = SecretRestore.newest(versions);
        return versions.stream().map(v -> "version " + v.number() + ": " + v.state()
                + (latest.isPresent() && latest.get().equals(v) ? "  ← latest" + (v.enabled() ? "" : " (unreadable)")
                : "")).toList();
    }

    @Override
    public SecretState before() {
        return new SecretState(versions, readBy.path(), null, null, null, redeploy == null ? null : redeploy.before());
    }

    @Override
    public SecretState asked() {
        return new SecretState(null, null, steps, null, redeploy == null ? null : redeploy.about().target(),
                redeploy == null ? null : redeploy.asked());
    }

    private String to() {
        return steps.stream().filter(s -> s.action() == Step.Action.ADD_COPY_OF).findFirst()
                .map(s -> "latest=copy of v" + s.version())
                .orElse(steps.isEmpty() ? "redeploy" : steps.get(steps.size() - 1).action().name().toLowerCase(
                        java.util.Locale.ROOT) + " v" + steps.get(steps.size() - 1).version());
    }

    /** Only the redeploy can outlive a run: the secret's steps are done when their calls answer. */
    @Override
    public boolean inFlight() {
        return steps.isEmpty() && redeploy != null && redeploy.inFlight();
    }

    @Override
    public boolean asks(SecretState recorded) {
        return redeploy != null && recorded.service() != null && redeploy.asks(recorded.service());
    }

    @Override
    public SecretState awaitInFlight(Duration limit, Progress progress) {
        return SecretState.of(store.versions(project, secret)).redeployed(redeploy.about().target(),
                redeploy.awaitInFlight(limit, progress));
    }

    /** A version added or whose state changed since the plan: the steps were planned for what it read. */
    @Override
    public void checkUnchangedSincePlan() {
        List<SecretStore.Version> now = store.versions(project, secret);
        if (!states(now).equals(states(versions))) {
            throw new RunbookException(ExitCode.CONFLICT, "secret " + secret + " changed since the plan was made ("
                    + states(versions) + " → " + states(now) + "); nothing was changed: run the command again to plan "
                    + "afresh");
        }
    }

    private static java.util.Map<String, SecretStore.VersionState> states(List<SecretStore.Version> versions) {
        java.util.Map<String, SecretStore.VersionState> states = new java.util.TreeMap<>();
        versions.forEach(v -> states.put(v.number(), v.state()));
        return states;
    }

    @Override
    public SecretState apply(Duration limit, Progress progress) {
        List<String> added = new ArrayList<>();
        for (Step s : steps) {
            switch (s.action()) {
                case ADD_COPY_OF -> added.add(store.addCopyOf(project, secret, s.version()));
                case ENABLE -> store.enable(project, secret, s.version());
                case DISABLE -> store.disable(project, secret, s.version());
            }
        }
        if (!steps.isEmpty()) {
            progress.done("secret " + secret + ": " + steps.size() + " step" + (steps.size() == 1 ? "" : "s") + " done"
                    + (added.isEmpty() ? "" : "; version " + String.join(", ", added) + " added"));
        }
        SecretState after = new SecretState(store.versions(project, secret), null, null, added, null, null);
        return redeploy == null ? after : after.redeployed(redeploy.about().target(), redeploy.apply(limit, progress));
    }

    @Override
    public Truth<SecretState> truth(Duration within) {
        List<SecretStore.Version> now;
        try {
            now = store.versions(project, secret);
        } catch (RuntimeException e) {
            return Truth.unreadable();
        }
        int done = 0;
        long copies = steps.stream().filter(s -> s.action() == Step.Action.ADD_COPY_OF).count();
        long newVersions = now.size() - versions.size();
        for (Step s : steps) {
            if (s.action() != Step.Action.ADD_COPY_OF && now.stream().anyMatch(v -> v.number().equals(s.version())
                    && v.state() == (s.action() == Step.Action.ENABLE ? SecretStore.VersionState.ENABLED
                    : SecretStore.VersionState.DISABLED) && !stateBefore(s.version()).equals(v.state()))) {
                done++;
            }
        }
        done += (int) Math.min(copies, Math.max(0, newVersions));
        boolean sent = done > 0;
        boolean inEffect = done == steps.size();
        SecretState n = SecretState.of(now);
        if (redeploy == null) {
            return new Truth<>(true, sent, inEffect, null, null, n);
        }
        Truth<ImageChange.ImageState> service = redeploy.truth(within);
        return new Truth<>(service.readable(), sent || service.sent(), inEffect && service.inEffect(), service.failure(),
                null, n.redeployed(redeploy.about().target(), service.now()), null, service.partly());
    }

    private SecretStore.VersionState stateBefore(String number) {
        return versions.stream().filter(v -> v.number().equals(number)).map(SecretStore.Version::state).findFirst()
                .orElse(SecretStore.VersionState.MISSING);
    }
}

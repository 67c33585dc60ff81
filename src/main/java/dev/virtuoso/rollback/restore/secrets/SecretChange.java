package dev.virtuoso.rollback.restore.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
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
public final class SecretChange implements Change {
    public static final String KIND = "secrets";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** In what a record asked and got: the service a new revision was (to be) deployed to. */
    static final String REDEPLOYED = "redeployed";
    /** In what a record saw before: the service whose readers of the secret were weighed (its undo weighs them again). */
    static final String READ_BY = "readBy";

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
    public String kind() {
        return KIND;
    }

    @Override
    public String command() {
        return command;
    }

    @Override
    public String target() {
        return "projects/" + project + "/secrets/" + secret;
    }

    @Override
    public String where() {
        return project + "/secrets/" + secret;
    }

    /** The service whose checks run after: one that reads the restored value (as latest), else none. */
    @Override
    public Optional<ServiceState> service() {
        return Optional.ofNullable(readers);
    }

    /** Only a redeploy updates the service; a restore of versions alone leaves it be. */
    @Override
    public Optional<ServiceState> updatedService() {
        return redeploy == null ? Optional.empty() : service();
    }

    @Override
    public String summary() {
        return summary;
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
            lines.add(redeploy.summary() + ", so its instances read the secret again at start");
        }
        blocks.add(new Lines("steps", lines));
        if (redeploy != null) {
            blocks.addAll(redeploy.preview());
        }
        return blocks;
    }

    @Override
    public List<Block> shown(JsonNode applied) {
        List<SecretStore.Version> now = SecretRestore.versions(applied.get("versions"));
        List<Block> blocks = new ArrayList<>(List.of(new Lines("versions", describe(now))));
        if (redeploy != null && applied.has("service")) {
            blocks.addAll(redeploy.shown(applied.get("service")));
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
    public List<String> notes() {
        return notes;
    }

    @Override
    public String unchangedReason() {
        return unchanged;
    }

    @Override
    public String problem() {
        return redeploy == null ? null : redeploy.problem();
    }

    @Override
    public JsonNode before() {
        ObjectNode n = state(versions).put(READ_BY, readBy.path());
        if (redeploy != null) {
            n.set("service", redeploy.before());
        }
        return n;
    }

    @Override
    public JsonNode asked() {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode a = n.putArray("steps");
        steps.forEach(s -> a.addObject().put("action", s.action().name()).put("version", s.version()));
        if (redeploy != null) {
            n.put(REDEPLOYED, redeploy.target()).set("service", redeploy.asked());
        }
        return n;
    }

    @Override
    public String from() {
        return SecretRestore.newest(versions).map(v -> "latest=v" + v.number()).orElse(null);
    }

    @Override
    public String to() {
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
    public boolean asks(JsonNode recorded) {
        return redeploy != null && recorded != null && redeploy.asks(recorded.path("service"));
    }

    @Override
    public JsonNode awaitInFlight(Duration limit, Progress progress) {
        return state(store.versions(project, secret)).put(REDEPLOYED, redeploy.target())
                .set("service", redeploy.awaitInFlight(limit, progress));
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
    public JsonNode apply(Duration limit, Progress progress) {
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
        ObjectNode after = state(store.versions(project, secret));
        ArrayNode a = after.putArray("added");
        added.forEach(a::add);
        if (redeploy != null) {
            after.put(REDEPLOYED, redeploy.target()).set("service", redeploy.apply(limit, progress));
        }
        return after;
    }

    @Override
    public Truth truth(Duration within) {
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
        ObjectNode n = state(now);
        if (redeploy == null) {
            return new Truth(true, sent, inEffect, null, null, n);
        }
        Truth service = redeploy.truth(within);
        n.put(REDEPLOYED, redeploy.target()).set("service", service.now());
        return new Truth(service.readable(), sent || service.sent(), inEffect && service.inEffect(), service.failure(),
                null, n, null, service.partly());
    }

    private SecretStore.VersionState stateBefore(String number) {
        return versions.stream().filter(v -> v.number().equals(number)).map(SecretStore.Version::state).findFirst()
                .orElse(SecretStore.VersionState.MISSING);
    }

    /** What a record holds of the secret: each version's number, state and creation time. */
    static ObjectNode state(List<SecretStore.Version> versions) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode a = n.putArray("versions");
        versions.forEach(v -> a.addObject().put("number", v.number()).put("state", v.state().name())
                .put("created", v.created().toString()));
        return n;
    }
}

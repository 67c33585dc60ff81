package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A container image deployed as a new revision of a service, with traffic to it in the same
 * update (Method 2), tags kept. Its undo deploys the image from before again, with the traffic
 * from before: LATEST then means a revision of that image, as it did.
 */
public final class ImageChange implements Change {
    public static final String KIND = "image";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String command;
    private final ServiceState before;
    private final String fromImage;
    private final String image;
    private final String revision;
    private final List<TrafficEntry> traffic;
    private final List<String> notes;
    private final ServiceControl control;

    private ImageChange(String command, ServiceState before, String fromImage, String image, String revision,
                        List<TrafficEntry> traffic, List<String> notes, ServiceControl control) {
        this.command = command;
        this.before = before;
        this.fromImage = fromImage;
        this.image = image;
        this.revision = revision;
        this.traffic = List.copyOf(traffic);
        this.notes = List.copyOf(notes);
        this.control = control;
    }

    /** {@code image} as revision {@code revision}, serving 100%: pinned, like any rollback. */
    static ImageChange deploy(String command, ServiceState s, String fromImage, String image, String revision,
                              List<String> notes, ServiceControl control) {
        String serving = s.servingRevision().orElse(null);
        List<String> all = new java.util.ArrayList<>(notes);
        all.add("traffic will be pinned to " + revision + ": new deployments get 0% until `rollback quick --to-latest`");
        return new ImageChange(command, s, fromImage, image, revision,
                TrafficPlanner.route(s.traffic(), revision, 100, serving), all, control);
    }

    /** {@code image} as revision {@code revision}, with exactly {@code traffic} (which may name it, or LATEST). */
    static ImageChange redeploy(String command, ServiceState s, String image, String revision, List<TrafficEntry> traffic,
                                List<String> notes, ServiceControl control) {
        return new ImageChange(command, s, s.image(), image, revision, traffic, notes, control);
    }

    /** Undo of {@code record}: its image from before deployed again, with its traffic from before. */
    static ImageChange undo(JournalRecord record, String command, ServiceControl control, String revision) {
        ServiceRef ref = Undo.service(record);
        ServiceState s = control.service(ref);
        JsonNode was = record.before();
        String image = was.path("image").asText(null);
        if (image == null || !was.has("traffic")) {
            throw RunbookException.invalid("journal record " + record.id() + " holds no image to go back to");
        }
        List<TrafficEntry> traffic = Undo.recordedTraffic(record, was.get("traffic"));
        // Entries that named the revision the step created name nothing once it is replaced.
        String created = record.after().path("revision").asText("");
        List<TrafficEntry> back = traffic.stream().map(e -> created.equals(e.revision())
                ? TrafficEntry.toRevision(revision, e.percent()).withTag(e.tag()) : e).toList();
        return redeploy(command, s, image, revision, back, List.of("the image from before " + record.id()
                + " is deployed again, so that LATEST means it as it did; the revision " + created + " stays, without "
                + "traffic"), control);
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
        return before.ref().path();
    }

    @Override
    public String where() {
        return before.ref().toString();
    }

    /** The revision this deploy creates. */
    String revision() {
        return revision;
    }

    @Override
    public Optional<ServiceState> service() {
        return Optional.of(before);
    }

    @Override
    public String summary() {
        return "deploy " + image + " as " + revision + " and route traffic to it";
    }

    @Override
    public List<Block> preview() {
        String latest = before.latestReadyRevision();
        return List.of(new Lines("image", List.of(fromImage + " → " + image + " (new revision " + revision + ")")),
                new Traffic("traffic now", before.traffic(), latest), new Traffic("traffic after", traffic, revision));
    }

    @Override
    public List<Block> shown(JsonNode applied) {
        return List.of(new Lines("image", List.of(image + " as " + revision)),
                new Traffic("now", TrafficChange.traffic(applied.get("traffic")), revision));
    }

    @Override
    public List<String> notes() {
        return notes;
    }

    @Override
    public String problem() {
        return TrafficPlanner.problem(traffic);
    }

    @Override
    public JsonNode before() {
        return state(fromImage, null, before.traffic());
    }

    @Override
    public JsonNode asked() {
        return state(image, revision, traffic);
    }

    @Override
    public String from() {
        return shortImage(fromImage);
    }

    @Override
    public String to() {
        return shortImage(image);
    }

    /** The service's template already asks for the image and its revision is being made. */
    @Override
    public boolean inFlight() {
        return image.equals(before.image()) && revision.equals(before.latestCreatedRevision())
                && !before.settledOn(traffic) && !before.failed();
    }

    @Override
    public boolean asks(JsonNode recorded) {
        return recorded != null && image.equals(recorded.path("image").asText())
                && revision.equals(recorded.path("revision").asText());
    }

    @Override
    public JsonNode apply(Duration limit, Progress progress) {
        ServiceState after = control.deploy(before, image, revision, traffic, limit, progress);
        return state(image, revision, after.traffic());
    }

    @Override
    public JsonNode awaitInFlight(Duration limit, Progress progress) {
        return state(image, revision, control.awaitTraffic(before.ref(), traffic, limit, progress).traffic());
    }

    @Override
    public Truth truth(Duration within) {
        Optional<ServiceState> now = control.peek(before.ref(), within);
        if (now.isEmpty()) {
            return Truth.unreadable();
        }
        ServiceState s = now.get();
        boolean sent = image.equals(s.image()) && s.generation() > before.generation();
        return new Truth(true, sent, s.settledOn(traffic), sent ? s.failure() : null, null,
                state(s.image(), revision, s.traffic()));
    }

    /** What an image record holds as before/after, and what its undo reads back. */
    static JsonNode state(String image, String revision, List<TrafficEntry> traffic) {
        ObjectNode n = JSON.createObjectNode().put("image", image);
        if (revision != null) {
            n.put("revision", revision);
        }
        n.set("traffic", TrafficChange.json(traffic));
        return n;
    }

    /** "virtuoso-api:v1.1.0": the repository's last part and the tag or digest, for history. */
    static String shortImage(String image) {
        return image == null ? null : image.substring(image.lastIndexOf('/') + 1);
    }
}

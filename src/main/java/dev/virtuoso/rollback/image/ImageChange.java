package dev.virtuoso.rollback.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.change.ServiceSteps;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.TrafficPlanner;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A container image deployed as a new revision of a service (Method 2), tags kept. No traffic
 * moves until the revision is Ready, and then only where the service does not follow LATEST
 * already; a revision that never becomes Ready leaves the traffic as it was. The change is in
 * effect when what serves runs the image with the configuration asked, whatever its name. Its
 * undo deploys the image from before again, with the traffic from before: LATEST then means a
 * revision of that image, as it did.
 */
public final class ImageChange implements Change<ImageChange.ImageState> {
    public static final String KIND = "image";

    /**
     * What an image record holds as before and after, and what its undo reads back: the image, the
     * revision the deploy creates (none before it), and the traffic.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ImageState(String image, String revision, List<TrafficEntry> traffic) {
    }

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

    /**
     * {@code image} as revision {@code revision}, serving 100% once it is Ready: through LATEST when
     * all traffic follows LATEST (the service stays un-pinned), else by name, pinned like any rollback.
     */
    public static ImageChange deploy(String command, ServiceState s, String fromImage, String image, String revision,
                              List<String> notes, ServiceControl control) {
        List<String> all = new ArrayList<>(notes);
        if (s.followsLatest()) {
            all.add("LATEST serves " + revision + " once it is Ready: the service stays un-pinned, and no traffic "
                    + "moves if it never starts");
            return new ImageChange(command, s, fromImage, image, revision, s.traffic(), all, control);
        }
        all.add("traffic moves to " + revision + " once it is Ready and is then pinned to it: new deployments get 0% "
                + "until `rollback quick --to-latest`");
        return new ImageChange(command, s, fromImage, image, revision,
                TrafficPlanner.route(s.traffic(), revision, 100, s.servingRevision().orElse(null)), all, control);
    }

    /** {@code image} as revision {@code revision}, with exactly {@code traffic} (which may name it, or LATEST). */
    public static ImageChange redeploy(String command, ServiceState s, String image, String revision, List<TrafficEntry> traffic,
                                List<String> notes, ServiceControl control) {
        return new ImageChange(command, s, s.image(), image, revision, traffic, notes, control);
    }

    /**
     * The name of the revision an earlier run's deploy of {@code image} is making, so that the change
     * is recognised and adopted rather than sent again: the template asks for the image, the service is
     * still applying it, and its newest revision runs the image with the template's configuration.
     * Else {@code fresh}.
     */
    public static String revisionName(ServiceState s, String image, List<Revision> revisions, String fresh) {
        boolean making = image.equals(s.image()) && s.applying() && revisions.stream()
                .anyMatch(r -> r.name().equals(s.latestCreatedRevision()) && r.runs(image, s.templateConfig()));
        return making ? s.latestCreatedRevision() : fresh;
    }

    /** Undo of {@code record}: its image from before deployed again, with its traffic from before. */
    public static Change<?> undo(JournalRecord record, String command, ServiceState s, ServiceControl control, String revision) {
        ImageState was = JournalStates.read(record.before(), ImageState.class)
                .filter(w -> w.image() != null && w.traffic() != null)
                .orElseThrow(() -> RunbookException.invalid("journal record " + record.id() + " holds no image to go "
                        + "back to"));
        String image = was.image();
        List<TrafficEntry> traffic = ServiceSteps.recordedTraffic(record, was.traffic());
        if (image.equals(s.image()) && ServiceState.sameEntries(s.traffic(), traffic) && !s.reconciling()
                && !s.failed()) {
            // Put back already (by hand, or by someone else): a new revision of it would change nothing.
            return new TrafficChange(new Plan(command, s.ref(), "deploy " + image + " again with the traffic "
                    + "recorded before " + record.id(), s, traffic, List.of(), s.ref().name() + " runs " + image
                    + " with the traffic recorded before " + record.id() + " already"), control);
        }
        // Entries that named the revision the step created name nothing once it is replaced.
        String created = JournalStates.read(record.after(), ImageState.class).map(ImageState::revision).orElse("");
        List<TrafficEntry> back = traffic.stream().map(e -> created.equals(e.revision())
                ? TrafficEntry.toRevision(revision, e.percent()).withTag(e.tag()) : e).toList();
        return redeploy(command, s, image, revision, back, List.of("the image from before " + record.id()
                + " is deployed again, so that LATEST means it as it did; the revision " + created + " stays, without "
                + "traffic"), control);
    }

    @Override
    public About about() {
        return About.of(KIND, command, before.ref().path(), before.ref().toString(), summary())
                .withNotes(notes)
                .withChange(shortImage(fromImage), shortImage(image))
                .withService(Optional.of(before))
                .withProblem(TrafficPlanner.problem(traffic));
    }

    @Override
    public Class<ImageState> stateType() {
        return ImageState.class;
    }

    /** The revision this deploy creates. */
    public String revision() {
        return revision;
    }

    /** Traffic reaches the new revision through LATEST alone: no traffic update follows the deploy. */
    private boolean throughLatest() {
        return ServiceState.sameEntries(traffic, before.traffic()) && before.servesLatest();
    }

    private String summary() {
        return "deploy " + image + " as " + revision + (throughLatest() ? "; LATEST serves it once it is Ready"
                : " and route traffic to it once it is Ready");
    }

    @Override
    public List<Block> preview() {
        String latest = before.latestReadyRevision();
        return List.of(new Lines("image", List.of(fromImage + " → " + image + " (new revision " + revision + ")")),
                new Traffic("traffic now", before.traffic(), latest), new Traffic("traffic after", traffic, revision));
    }

    @Override
    public List<Block> shown(ImageState applied) {
        return List.of(new Lines("image", List.of(image + " as " + revision)),
                new Traffic("now", applied.traffic(), revision));
    }

    @Override
    public ImageState before() {
        return new ImageState(fromImage, null, before.traffic());
    }

    @Override
    public ImageState asked() {
        return new ImageState(image, revision, traffic);
    }

    /**
     * An earlier run sent this very deploy and was killed while waiting: the template asks for the
     * image under this revision's name ({@link #revisionName} checked what the revision runs), and the
     * service is still applying it.
     */
    @Override
    public boolean inFlight() {
        return image.equals(before.image()) && revision.equals(before.latestCreatedRevision()) && before.applying();
    }

    @Override
    public boolean asks(ImageState recorded) {
        return image.equals(recorded.image()) && revision.equals(recorded.revision());
    }

    @Override
    public ImageState apply(Duration limit, Progress progress) {
        ServiceState after = control.deploy(before, image, revision, traffic, limit, progress);
        return new ImageState(image, revision, after.traffic());
    }

    /** The port follows a deploy its template asks for already, then moves the traffic if the earlier run did not. */
    @Override
    public ImageState awaitInFlight(Duration limit, Progress progress) {
        return apply(limit, progress);
    }

    /**
     * Sent: the template asks for the image, in a later generation than planned on (or planned on
     * while in flight: an earlier run sent it). In effect: settled on the asked traffic, and the
     * revisions serving through it for the new revision (by name, or LATEST) run the image with the
     * configuration asked — a revision of that name may run something else. Half of {@code within}
     * reads the service, half each revision.
     */
    @Override
    public Truth<ImageState> truth(Duration within) {
        Duration half = within.dividedBy(2);
        Optional<ServiceState> now = control.peek(before.ref(), half);
        if (now.isEmpty()) {
            return Truth.unreadable();
        }
        ServiceState s = now.get();
        ImageState state = new ImageState(s.image(), revision, s.traffic());
        boolean sent = image.equals(s.image()) && (s.generation() > before.generation() || inFlight());
        boolean inEffect = s.settledOn(traffic);
        for (String name : inEffect ? s.servingThrough(traffic, revision) : List.<String>of()) {
            Optional<Revision> serving = control.peekRevision(before.ref(), name, half);
            if (serving.isEmpty()) {
                return new Truth<>(false, sent, false, null, null, state);
            }
            inEffect &= serving.get().runs(image, before.templateConfig());
        }
        String failure = sent ? s.failure() : null;
        String partly = null;
        if (sent && !inEffect && failure == null && !throughLatest()) {
            // The first step (the template) done or under way; the second (the traffic) not sent.
            // A later change by someone else may route to it all the same (LATEST, once it is Ready).
            int serves = s.serving().getOrDefault(revision, 0);
            String traffic = serves > 0 ? " serves " + serves + "% through the traffic asked now, " + s.traffic()
                    + ", not the traffic this run asked" : null;
            partly = s.applying() ? revision + " is still being deployed" + (traffic == null
                    ? "; the traffic was not moved to it" : " and" + traffic)
                    : revision.equals(s.latestReadyRevision()) ? revision + " is deployed and Ready" + (traffic == null
                    ? ", but the traffic was not moved to it" : " and" + traffic) : null;
        }
        return new Truth<>(true, sent, inEffect, failure, null, state, null, partly);
    }

    /** "virtuoso-api:v1.1.0": the repository's last part and the tag or digest, for history. */
    public static String shortImage(String image) {
        return image == null ? null : image.substring(image.lastIndexOf('/') + 1);
    }
}

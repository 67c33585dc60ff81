package dev.virtuoso.rollback.traffic;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.TrafficPlanner;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceControl;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A new traffic list for a Cloud Run service (quick, tag, undo, the drill's steps). */
public final class TrafficChange implements Change<TrafficChange.TrafficState> {
    public static final String KIND = "traffic";

    /** What a traffic record holds as before and after: the traffic list itself, journaled as a JSON array. */
    public record TrafficState(@JsonValue List<TrafficEntry> traffic) {
        @JsonCreator
        public static TrafficState of(List<TrafficEntry> traffic) {
            return new TrafficState(List.copyOf(traffic));
        }
    }

    private final Plan plan;
    private final ServiceControl control;
    private final String caution;

    public TrafficChange(Plan plan, ServiceControl control) {
        this(plan, control, null);
    }

    /** {@code caution}: asked after the plan is confirmed, when the plan carries a risk it names. */
    public TrafficChange(Plan plan, ServiceControl control, String caution) {
        this.plan = plan;
        this.control = control;
        this.caution = caution;
    }

    @Override
    public About about() {
        return About.of(KIND, plan.command(), plan.service().path(), plan.service().toString(), plan.summary())
                .withNotes(plan.notes())
                .withChange(plan.before().servingRevision().orElse(null), to())
                .withService(Optional.of(plan.before()))
                .withUnchangedReason(plan.unchangedReason())
                .withProblem(TrafficPlanner.problem(plan.after()))
                .withCaution(caution);
    }

    @Override
    public Class<TrafficState> stateType() {
        return TrafficState.class;
    }

    @Override
    public List<Block> preview() {
        String latest = plan.before().latestReadyRevision();
        return List.of(new Traffic("traffic now", plan.before().traffic(), latest),
                new Traffic("traffic after", plan.after(), latest));
    }

    @Override
    public List<Block> shown(TrafficState applied) {
        return List.of(new Traffic("now", applied.traffic(), "latest Ready"));
    }

    @Override
    public TrafficState before() {
        return TrafficState.of(plan.before().traffic());
    }

    @Override
    public TrafficState asked() {
        return TrafficState.of(plan.after());
    }

    /**
     * The revision the new list gives the most traffic to compared with now (LATEST resolved as it
     * resolves now), with its share when it does not get it all: a canary is "R 10%".
     */
    private String to() {
        Map<String, Integer> now = plan.before().serving();
        Map<String, Integer> after = new LinkedHashMap<>();
        plan.after().forEach(e -> after.merge(e.latest() ? plan.before().latestReadyRevision() : e.revision(),
                e.percent(), Integer::sum));
        return after.entrySet().stream().filter(e -> e.getValue() > 0)
                .max(Comparator.comparingInt(e -> e.getValue() - now.getOrDefault(e.getKey(), 0)))
                .map(e -> e.getKey() + (e.getValue() < 100 ? " " + e.getValue() + "%" : ""))
                .orElse(null);
    }

    /**
     * The service already asks for exactly this traffic but has not finished applying it: an
     * earlier run sent it and was killed. Sending it again would start a second update.
     */
    @Override
    public boolean inFlight() {
        ServiceState s = plan.before();
        return ServiceState.sameEntries(s.traffic(), plan.after()) && !s.settledOn(plan.after()) && !s.failed();
    }

    @Override
    public boolean asks(TrafficState recorded) {
        return ServiceState.sameEntries(recorded.traffic(), plan.after());
    }

    @Override
    public TrafficState apply(Duration limit, Progress progress) {
        // The adapter re-reads and compares etag/generation immediately before it applies.
        return TrafficState.of(control.updateTraffic(plan.before(), plan.after(), limit, progress).traffic());
    }

    @Override
    public TrafficState awaitInFlight(Duration limit, Progress progress) {
        return TrafficState.of(control.awaitTraffic(plan.before(), plan.after(), limit, progress).traffic());
    }

    @Override
    public Truth<TrafficState> truth(Duration within) {
        Optional<ServiceState> now = control.peek(plan.service(), within);
        if (now.isEmpty()) {
            return Truth.unreadable();
        }
        ServiceState s = now.get();
        // A change adopted in flight was sent by an earlier run: the service asked for it when planned.
        boolean sent = ServiceState.sameEntries(s.traffic(), plan.after())
                && (s.generation() > plan.before().generation() || inFlight());
        return new Truth<>(true, sent, s.settledOn(plan.after()), sent ? s.failure() : null, null,
                TrafficState.of(s.traffic()));
    }
}

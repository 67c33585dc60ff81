package dev.virtuoso.rollback.change;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.gitrevert.GitChange;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceStepsTest {
    /** The core names the service kinds as text, since it knows no capability: a renamed kind must be renamed here. */
    @Test
    void theServiceKindsAreTheTrafficImageAndGitChangesOwnNames() {
        assertThat(ServiceSteps.KINDS).containsExactlyInAnyOrder(TrafficChange.KIND, ImageChange.KIND, GitChange.KIND);
    }

    /**
     * The core reads the traffic, image and revision every service kind journals by their names: a
     * field renamed in one kind's state must fail here, not let undo miss a later change.
     */
    @Test
    void theSharedViewReadsWhatEachServiceKindWrites() {
        List<TrafficEntry> traffic = List.of(TrafficEntry.toLatest(90), new TrafficEntry(false, "s-00001-abc", 10, "old"));
        assertThat(JournalStates.read(JournalStates.write(TrafficChange.TrafficState.of(traffic)), ServiceSteps.Left.class))
                .isEmpty(); // a traffic step's state is the bare list, read by trafficOf, below
        assertThat(JournalStates.read(JournalStates.write(new ImageChange.ImageState("img:v1", "s-00002-new", traffic)),
                ServiceSteps.Left.class)).contains(new ServiceSteps.Left(traffic, "img:v1", "s-00002-new"));
        assertThat(JournalStates.read(JournalStates.write(new GitChange.GitState("/r", "origin", "main", "c1", "r1", true,
                "s-00003-git", null, traffic, null, null)), ServiceSteps.Left.class))
                .contains(new ServiceSteps.Left(traffic, null, "s-00003-git"));
        JournalRecord quick = new JournalRecord("q-1", Instant.parse("2026-12-01T00:00:00Z"), "t", "quick", "p", "traffic",
                JournalStates.write(TrafficChange.TrafficState.of(traffic)), null, JournalRecord.State.applied, null);
        assertThat(ServiceSteps.trafficOf(quick, quick.before())).isEqualTo(traffic);
    }
}

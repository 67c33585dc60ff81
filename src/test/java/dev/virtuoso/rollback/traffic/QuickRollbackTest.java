package dev.virtuoso.rollback.traffic;

import static dev.virtuoso.rollback.model.Fixtures.REVISIONS;
import static dev.virtuoso.rollback.model.Fixtures.seed;
import static dev.virtuoso.rollback.model.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuickRollbackTest {
    private static final TrafficEntry STABLE_TAG = new TrafficEntry(false, "virtuoso-api-00002-def", 0, "stable-2024-07-24");

    @Test
    void previousIsTheNewestReadyRevisionOlderThanTheServingOneNotTheNewestCreated() {
        Plan plan = QuickRollback.plan(seed(), REVISIONS, new QuickRollback.Previous(), 100);
        // 00004 is newer but never became Ready; 00003 serves through LATEST; so previous is 00002,
        // and its tagged entry carries the traffic so the tag survives.
        assertThat(plan.after()).containsExactly(STABLE_TAG.withPercent(100));
        assertThat(plan.unchanged()).isFalse();
        assertThat(plan.notes()).anySatisfy(n -> assertThat(n).contains("pinned").contains("--to-latest"));
    }

    @Test
    void untaggedTargetGetsANewEntryAndTagsStayAtZero() {
        Plan plan = QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00001-abc"), 100);
        assertThat(plan.after()).containsExactly(TrafficEntry.toRevision("virtuoso-api-00001-abc", 100), STABLE_TAG);
    }

    @Test
    void percentSplitsBetweenTargetAndTheRevisionServingNow() {
        Plan plan = QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00001-abc"), 10);
        assertThat(plan.after()).containsExactly(TrafficEntry.toRevision("virtuoso-api-00001-abc", 10),
                TrafficEntry.toRevision("virtuoso-api-00003-ghi", 90), STABLE_TAG);
        assertThat(plan.summary()).isEqualTo("route 10% of virtuoso-api traffic to virtuoso-api-00001-abc and 90% to "
                + "virtuoso-api-00003-ghi");
    }

    @Test
    void toTagResolvesTheTaggedRevision() {
        Plan plan = QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToTag("stable-2024-07-24"), 100);
        assertThat(plan.after()).containsExactly(STABLE_TAG.withPercent(100));
        assertThatThrownBy(() -> QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToTag("nope"), 100))
                .hasMessage("no tag nope on service virtuoso-api (tags: stable-2024-07-24)");
    }

    @Test
    void toLatestUnpinsAndKeepsTags() {
        ServiceState pinned = state(List.of(STABLE_TAG.withPercent(100)));
        Plan plan = QuickRollback.plan(pinned, REVISIONS, new QuickRollback.ToLatest(), 100);
        assertThat(plan.after()).containsExactly(TrafficEntry.toLatest(100), STABLE_TAG);
        assertThat(QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToLatest(), 100).unchangedReason())
                .isEqualTo("already serving LATEST (virtuoso-api-00003-ghi) 100%");
    }

    @Test
    void goalAlreadyHoldingIsUnchanged() {
        ServiceState pinned = state(List.of(STABLE_TAG.withPercent(100)));
        Plan plan = QuickRollback.plan(pinned, REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00002-def"), 100);
        assertThat(plan.unchangedReason()).isEqualTo("already serving virtuoso-api-00002-def (100%)");
    }

    @Test
    void preflightRefusesUnknownForeignAndNotReadyRevisions() {
        assertThatThrownBy(() -> QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00009-zzz"), 100))
                .hasMessageStartingWith("revision virtuoso-api-00009-zzz not found in service virtuoso-api (revisions, newest first: virtuoso-api-00004-jkl (not Ready), ");
        assertThatThrownBy(() -> QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToRevision("other-service-00001-aaa"), 100))
                .hasMessageStartingWith("revision other-service-00001-aaa does not belong to service virtuoso-api (revisions");
        assertThatThrownBy(() -> QuickRollback.plan(seed(), REVISIONS, new QuickRollback.ToRevision("virtuoso-api-00004-jkl"), 100))
                .hasMessage("revision virtuoso-api-00004-jkl is not Ready (Container failed to start); refusing to send traffic to it");
    }

    @Test
    void percentOutsideOneToHundredIsInvalid() {
        for (int p : new int[] {0, 101, -5}) {
            assertThatThrownBy(() -> QuickRollback.plan(seed(), REVISIONS, new QuickRollback.Previous(), p))
                    .isInstanceOf(RunbookException.class).hasMessageContaining("--percent must be between 1 and 100");
        }
    }

    @Test
    void tagKeepsTheSplitAndRefusesToStealAnotherRevisionsTag() {
        Plan plan = TagRevision.plan(seed(), REVISIONS, null, "stable-2026-11-28");
        assertThat(plan.after()).containsExactly(TrafficEntry.toLatest(100), STABLE_TAG,
                new TrafficEntry(false, "virtuoso-api-00003-ghi", 0, "stable-2026-11-28"));
        assertThatThrownBy(() -> TagRevision.plan(seed(), REVISIONS, "virtuoso-api-00001-abc", "stable-2024-07-24"))
                .hasMessageContaining("tag stable-2024-07-24 already points to virtuoso-api-00002-def");
        assertThat(TagRevision.plan(seed(), REVISIONS, "virtuoso-api-00002-def", "stable-2024-07-24").unchanged()).isTrue();
        assertThatThrownBy(() -> TagRevision.plan(seed(), REVISIONS, null, "Bad_Tag")).hasMessageContaining("lowercase");
    }
}

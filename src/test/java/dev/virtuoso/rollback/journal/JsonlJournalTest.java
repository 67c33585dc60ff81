package dev.virtuoso.rollback.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.virtuoso.rollback.runbook.JournalRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlJournalTest {
    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-28T03:00:00Z"), ZoneOffset.UTC);

    private JournalRecord record(String id) {
        return new JournalRecord(id, clock.instant(), "bob", "quick", "projects/p/locations/r/services/s", "traffic",
                JsonNodeFactory.instance.arrayNode(), JsonNodeFactory.instance.arrayNode(), JournalRecord.State.planned,
                "route");
    }

    @Test
    void appendsLinesWithMode0600AndFoldsStatesById() throws Exception {
        JsonlJournal j = new JsonlJournal(dir.resolve("state/journal.jsonl"), clock);
        JournalRecord a = record("a");
        j.append(a);
        j.append(record("b"));
        j.append(a.next(clock.instant(), JournalRecord.State.verified, null, "ok"));
        assertThat(Files.readAllLines(j.file())).hasSize(3);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(j.file()))).isEqualTo("rw-------");
        assertThat(j.history()).extracting(JournalRecord::id, JournalRecord::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", JournalRecord.State.verified),
                        org.assertj.core.groups.Tuple.tuple("b", JournalRecord.State.planned));
    }

    @Test
    void interruptMarksOnlyThisProcessesUnfinishedSteps() {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock);
        j.append(record("done").next(clock.instant(), JournalRecord.State.verified, null, null));
        j.append(record("open"));
        j.interruptOpen();
        assertThat(j.find("open").orElseThrow().state()).isEqualTo(JournalRecord.State.interrupted);
        assertThat(j.find("done").orElseThrow().state()).isEqualTo(JournalRecord.State.verified);
    }

    @Test
    void defaultFileFollowsRollbackHomeThenXdgStateHome() {
        assertThat(JsonlJournal.defaultFile(Map.of("ROLLBACK_HOME", "/x"))).isEqualTo(Path.of("/x/journal.jsonl"));
        assertThat(JsonlJournal.defaultFile(Map.of("XDG_STATE_HOME", "/s", "HOME", "/h")))
                .isEqualTo(Path.of("/s/rollback/journal.jsonl"));
        assertThat(JsonlJournal.defaultFile(Map.of("HOME", "/h")))
                .isEqualTo(Path.of("/h/.local/state/rollback/journal.jsonl"));
    }
}

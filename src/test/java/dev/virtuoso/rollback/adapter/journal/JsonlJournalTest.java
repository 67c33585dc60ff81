package dev.virtuoso.rollback.adapter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlJournalTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-28T03:00:00Z"), ZoneOffset.UTC);

    private JournalRecord record(String id) {
        return new JournalRecord(id, clock.instant(), "bob", "quick", "projects/p/locations/r/services/s", "traffic",
                JsonNodeFactory.instance.arrayNode(), JsonNodeFactory.instance.arrayNode(), JournalRecord.State.planned,
                "route");
    }

    @Test
    void appendsLinesWithMode0600AndFoldsStatesById() throws Exception {
        JsonlJournal j = new JsonlJournal(dir.resolve("state/journal.jsonl"), clock, warnings::add);
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
    void theIncidentAStepAnsweredIsKeptThroughItsStatesAndALineWrittenWithoutOneReadsAsNone() throws Exception {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock, warnings::add);
        JournalRecord r = record("a");
        JournalRecord answering = new JournalRecord(r.id(), r.time(), r.user(), r.command(), r.target(), r.kind(),
                r.before(), r.after(), r.state(), r.detail(), false, null, null, null, "respond", null, "5xx", "0.abc");
        j.append(answering);
        j.append(answering.next(clock.instant(), JournalRecord.State.verified, null, "ok"));
        // A line as versions before this field wrote it.
        Files.writeString(j.file(), "{\"id\":\"old\",\"time\":\"2026-11-27T03:00:00Z\",\"user\":\"bob\","
                + "\"command\":\"quick --previous\",\"target\":\"projects/p/locations/r/services/s\",\"kind\":"
                + "\"traffic\",\"before\":[],\"after\":[],\"state\":\"verified\",\"detail\":\"x\",\"changed\":true}\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(j.history()).extracting(JournalRecord::id, JournalRecord::incident)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "0.abc"),
                        org.assertj.core.groups.Tuple.tuple("old", null));
        assertThat(Files.readAllLines(j.file()).get(0)).contains("\"incident\":\"0.abc\"");
        assertThat(Json.mapper().writeValueAsString(record("b"))).doesNotContain("incident");
    }

    @Test
    void aLineNotStartingWithItsIdIsParsedToFindItsStep() throws Exception {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock, warnings::add);
        JournalRecord a = record("a");
        j.append(a);
        j.append(record("b"));
        // The newest line of step a, as a tool that orders keys differently would write it.
        String verified = Json.mapper().writeValueAsString(a.next(clock.instant(), JournalRecord.State.verified,
                null, "ok")).replaceFirst("^\\{\"id\":\"a\",", "{").replaceFirst("}$", ",\"id\":\"a\"}");
        Files.writeString(j.file(), verified + "\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(j.history()).extracting(JournalRecord::id, JournalRecord::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", JournalRecord.State.verified),
                        org.assertj.core.groups.Tuple.tuple("b", JournalRecord.State.planned));
    }

    @Test
    void aLineWithAFieldANewerVersionAddedStillReads() throws Exception {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock, warnings::add);
        j.append(record("a"));
        String newer = Json.mapper().writeValueAsString(record("b")).replaceFirst("}$", ",\"reviewedBy\":\"sam\"}");
        Files.writeString(j.file(), newer + "\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b");
    }

    @Test
    void interruptMarksOnlyThisProcessesUnfinishedSteps() {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock, warnings::add);
        j.append(record("done").next(clock.instant(), JournalRecord.State.verified, null, null));
        j.append(record("open"));
        j.interruptOpen();
        assertThat(j.find("open").orElseThrow().state()).isEqualTo(JournalRecord.State.interrupted);
        assertThat(j.find("done").orElseThrow().state()).isEqualTo(JournalRecord.State.verified);
    }

    @Test
    void interruptWorksFromWhatThisProcessAppendedWithoutReadingTheFile() throws Exception {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock, warnings::add);
        JournalRecord open = record("open");
        j.append(open);
        j.append(open.next(clock.instant(), JournalRecord.State.applied, null, "sent"));
        // Another writer's damaged line: the Ctrl-C record must still be written.
        Files.writeString(j.file(), "{not a record\n", java.nio.file.StandardOpenOption.APPEND);

        j.interruptOpen();

        List<String> lines = Files.readAllLines(j.file());
        JournalRecord last = Json.mapper().readValue(lines.get(lines.size() - 1), JournalRecord.class);
        assertThat(last.id()).isEqualTo("open");
        assertThat(last.state()).isEqualTo(JournalRecord.State.interrupted);
        assertThat(last.detail()).startsWith("stopped at once after state applied");
        assertThat(j.hasOpen()).isFalse();
    }

    @Test
    void defaultFileFollowsRollbackHomeThenXdgStateHome() {
        assertThat(JsonlJournal.defaultFile(Map.of("ROLLBACK_HOME", "/x"))).isEqualTo(Path.of("/x/journal.jsonl"));
        assertThat(JsonlJournal.defaultFile(Map.of("XDG_STATE_HOME", "/s", "HOME", "/h")))
                .isEqualTo(Path.of("/s/rollback/journal.jsonl"));
        assertThat(JsonlJournal.defaultFile(Map.of("HOME", "/h")))
                .isEqualTo(Path.of("/h/.local/state/rollback/journal.jsonl"));
    }

    @Test
    void anExistingJournalOthersCanReadIsMadePrivateWithAWarning() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Files.writeString(file, "");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        new JsonlJournal(file, clock, warnings::add).append(record("a"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(warnings).containsExactly("the journal " + file + " had mode rw-r--r--; made it rw------- (only you "
                + "can read who changed what)");
    }

    @Test
    void aFileSystemWithoutPosixPermissionsStillGetsAJournal() throws Exception {
        try (var zip = java.nio.file.FileSystems.newFileSystem(dir.resolve("fat.zip"), Map.of("create", "true"))) {
            assertThat(zip.supportedFileAttributeViews()).doesNotContain("posix");
            JsonlJournal j = new JsonlJournal(zip.getPath("/state/journal.jsonl"), clock, warnings::add);
            j.append(record("a"));
            j.append(record("b"));
            assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b");
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void aDamagedLineIsExit2NamingTheFileAndLine() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        JsonlJournal j = new JsonlJournal(file, clock, warnings::add);
        j.append(record("a"));
        Files.writeString(file, "{\"id\": \"b\", \"state\": \"nonsense\"}\n", java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(j::history)
                .hasMessage("the journal " + file + " line 2 is damaged (not a journal record); move the file aside "
                        + "or repair that line")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
    }

    @Test
    void anAppendWhileInterruptedIsWrittenAndTheInterruptKept() {
        JsonlJournal j = new JsonlJournal(dir.resolve("journal.jsonl"), clock, warnings::add);
        Thread.currentThread().interrupt();
        try {
            j.append(record("a"));
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a");
    }

    /** The journal with a and b, then the first {@code keep} bytes of c's line: an append a crash cut short. */
    private JsonlJournal tornAfterTwo(Path file, JournalRecord c, int keep) throws Exception {
        JsonlJournal j = new JsonlJournal(file, clock, warnings::add);
        j.append(record("a"));
        j.append(record("b"));
        byte[] line = Json.mapper().writeValueAsBytes(c);
        Files.write(file, java.util.Arrays.copyOf(line, keep), java.nio.file.StandardOpenOption.APPEND);
        return j;
    }

    @Test
    void aLastLineCutMidRecordIsLeftOutWithOneWarningAndTheFileUntouched() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        JsonlJournal j = tornAfterTwo(file, record("c"), 60);
        byte[] before = Files.readAllBytes(file);

        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b");
        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b");

        assertThat(warnings).containsExactly("the journal " + file + " ends with an incomplete line (60 bytes, an "
                + "append cut short by a crash); left it out, and the next change moves it aside");
        // A reader never repairs: a writer may be in the middle of that line, and only a writer holds the lock.
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void theNextAppendMovesTheTornLineAsideAndStartsOnALineOfItsOwn() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        JsonlJournal j = tornAfterTwo(file, record("c"), 60);
        byte[] torn = java.util.Arrays.copyOf(Json.mapper().writeValueAsBytes(record("c")), 60);

        j.append(record("d"));

        Path aside = dir.resolve("journal.jsonl.torn-20261128T030000Z");
        assertThat(Files.readAllBytes(aside)).isEqualTo(torn);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aside))).isEqualTo("rw-------");
        assertThat(warnings).containsExactly("the journal " + file + " ended with an incomplete line (60 bytes, an "
                + "append cut short by a crash); moved it to " + aside + " and went on");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            Json.mapper().readValue(line, JournalRecord.class);
        }
        warnings.clear();
        assertThat(new JsonlJournal(file, clock, warnings::add).history()).extracting(JournalRecord::id)
                .containsExactly("a", "b", "d");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aSecondTornLineOnTheSameSecondGetsASideFileOfItsOwn() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        JsonlJournal j = tornAfterTwo(file, record("c"), 60);
        j.append(record("d"));
        Files.write(file, "{\"id\":\"e\",\"ti".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);

        j.append(record("f"));

        assertThat(Files.readString(dir.resolve("journal.jsonl.torn-20261128T030000Z-2"))).isEqualTo("{\"id\":\"e\",\"ti");
        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b", "d", "f");
    }

    @Test
    void aWholeRecordMissingOnlyItsNewlineIsKeptAndTheNextAppendEndsIt() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        byte[] whole = Json.mapper().writeValueAsBytes(record("c"));
        JsonlJournal j = tornAfterTwo(file, record("c"), whole.length);

        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b", "c");
        j.append(record("d"));

        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b", "c", "d");
        assertThat(Files.readAllLines(file)).hasSize(4);
        assertThat(warnings).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aLineCutInsideAMultiByteCharacterIsTornNotAFileThatIsNotUtf8() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        JournalRecord c = record("c").next(clock.instant(), JournalRecord.State.verified, null, "00002-def \u2192 00001-abc");
        byte[] line = Json.mapper().writeValueAsBytes(c);
        int arrow = new String(line, StandardCharsets.UTF_8).indexOf('\u2192');
        int cut = new String(line, StandardCharsets.UTF_8).substring(0, arrow).getBytes(StandardCharsets.UTF_8).length + 1;
        JsonlJournal j = tornAfterTwo(file, c, cut);

        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b");
        j.append(record("d"));
        assertThat(j.history()).extracting(JournalRecord::id).containsExactly("a", "b", "d");
    }

    @Test
    void aDamagedLineInTheMiddleIsStillExit2NamingItEvenWhenTheLastLineIsTorn() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        JsonlJournal j = new JsonlJournal(file, clock, warnings::add);
        j.append(record("a"));
        Files.writeString(file, "{\"id\": \"b\", \"sta\n", java.nio.file.StandardOpenOption.APPEND);
        j.append(record("c"));
        Files.writeString(file, "{\"id\": \"d\", \"sta", java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(j::history)
                .hasMessage("the journal " + file + " line 2 is damaged (not a journal record); move the file aside "
                        + "or repair that line")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
    }
}

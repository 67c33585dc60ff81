package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A journal written by an earlier version (journal/every-kind.jsonl: a step of every kind, made through
 * the real commands against the sandbox) reads in this one exactly as that version showed it: its
 * history, each record whole, and the undo it plans for each (against a fresh sandbox, forced over
 * what that sandbox serves, dry run). The expected texts are what the version that wrote the journal
 * printed for the same command lines.
 */
class EveryKindJournalTest {
    /** The step ids of the journal's actions, oldest first (a drill's steps are in its record). */
    static final List<String> ACTIONS = List.of("616b", "6391", "e732", "aa36", "17f6", "e5c5", "59c9", "abbe", "8bb6",
            "9df5", "f7c5", "f901");
    /** Where the journal's git steps had their clone; a test puts it in its own home, where there is none. */
    static final String CLONE = "/tmp/rollback-git-16192154296632921902/virtuoso-api";
    /** A name made for a new revision now: its last 4 characters are random. */
    private static final Pattern FRESH = Pattern.compile("(-rollback-20261207-030000-000-)[a-z0-9]{4}");

    private final CliHarness cli = new CliHarness();

    @BeforeEach
    void journalOfTheEarlierVersion() throws IOException {
        cli.clock = Clock.fixed(Instant.parse("2026-12-07T03:00:00Z"), ZoneOffset.UTC);
        write(cli);
    }

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    static void write(CliHarness cli) throws IOException {
        Files.writeString(cli.home.resolve("journal.jsonl"), resource("every-kind.jsonl").replace(CLONE,
                cli.home.resolve("virtuoso-api").toString()));
    }

    /** {@code text} with the test's home said as {HOME}, and the random part of fresh revision names as XXXX. */
    static String masked(CliHarness cli, CharSequence text) {
        return FRESH.matcher(text).replaceAll("$1XXXX").replace(cli.home.toString(), "{HOME}");
    }

    static String resource(String name) {
        try (InputStream in = EveryKindJournalTest.class.getResourceAsStream("/journal/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String history(CliHarness cli) {
        return masked(cli, cli.run("history", "--limit", "0").out());
    }

    static String records(CliHarness cli) {
        StringBuilder all = new StringBuilder();
        for (String id : ACTIONS) {
            CliHarness.Result r = cli.run("history", id);
            all.append("== history ").append(id).append(" -> ").append(r.code()).append('\n').append(r.out())
                    .append(r.err());
        }
        return masked(cli, all);
    }

    static String undos(CliHarness cli) {
        StringBuilder all = new StringBuilder();
        for (String id : ACTIONS) {
            CliHarness.Result r = cli.rb("undo", id, "--force", "--dry-run");
            all.append("== undo ").append(id).append(" --force --dry-run -> ").append(r.code()).append('\n')
                    .append(r.out()).append(r.err());
        }
        return masked(cli, all);
    }

    @Test
    void historyShowsEveryKindAndOutcomeAsTheVersionThatWroteIt() {
        assertThat(history(cli)).isEqualTo(resource("every-kind.history.txt"));
    }

    @Test
    void eachRecordShowsWholeAsTheVersionThatWroteIt() {
        assertThat(records(cli)).isEqualTo(resource("every-kind.records.txt"));
    }

    @Test
    void undoPlansTheReversalOfEachKindAsTheVersionThatWroteIt() {
        assertThat(undos(cli)).isEqualTo(resource("every-kind.undo.txt"));
    }
}

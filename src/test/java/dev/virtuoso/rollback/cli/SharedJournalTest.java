package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtuoso.rollback.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A team's journal in Cloud Storage (the sandbox's), and the lock of the service every mutating
 * step takes beside it, through the real wiring.
 */
class SharedJournalTest {
    private static final String JOURNAL = "gs://" + Sandbox.JOURNAL_BUCKET + "/team";
    private static final String LOCK = "team/locks/virtuoso-sandbox/us-central1/virtuoso-api";
    private final CliHarness cli = new CliHarness();
    private final Path secondHome;

    SharedJournalTest() throws IOException {
        secondHome = Files.createTempDirectory("rollback-second-");
    }

    @AfterEach
    void close() throws IOException {
        cli.close();
        try (var files = Files.walk(secondHome)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private CliHarness.Result shared(String... args) {
        return shared(Map.of(), args);
    }

    private CliHarness.Result shared(Map<String, String> env, String... args) {
        Map<String, String> all = new HashMap<>(env);
        all.put("ROLLBACK_JOURNAL", JOURNAL);
        all.putIfAbsent("HOSTNAME", "laptop");
        String[] line = new String[args.length + 2];
        line[0] = "-r";
        line[1] = "runbooks/sandbox.yaml";
        System.arraycopy(args, 0, line, 2, args.length);
        return cli.run(all, line);
    }

    /** History as JSON, read from another machine (another ROLLBACK_HOME) through the shared journal. */
    private JsonNode historyElsewhere() throws IOException {
        CliHarness.Result h = shared(Map.of("ROLLBACK_HOME", secondHome.toString()), "history", "-o", "json");
        assertThat(h.code()).as(h.err()).isZero();
        return new ObjectMapper().readTree(h.out());
    }

    private List<String> recordWrites() {
        return cli.controls.storageWrites().stream().filter(w -> w.contains("/records/")).toList();
    }

    private static String lock(String holder, String command, String reason, Instant since, Instant expires) {
        return "{\"holder\":\"" + holder + "\",\"command\":\"" + command + "\",\"reason\":" + (reason == null ? "null"
                : "\"" + reason + "\"") + ",\"since\":\"" + since + "\",\"expires\":\"" + expires + "\"}";
    }

    @Test
    void aQuickRollbackWritesEachStateAsANewObjectCreatedOnlyIfAbsentAndAnotherMachineReadsIt() throws IOException {
        CliHarness.Result quick = shared("quick", "--previous", "--yes", "--no-verify");

        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(cli.controls.journalObjects("team/records/")).hasSize(2)
                .allMatch(n -> n.matches("team/records/[0-9TZ]+-[0-9a-f]{4}/(1-planned|2-applied)\\.json"));
        assertThat(recordWrites()).hasSize(2).allMatch(w -> w.startsWith("POST ") && w.endsWith(" ifGenerationMatch=0 -> 200"));
        assertThat(Files.exists(cli.home.resolve("journal.jsonl"))).as("no local journal").isFalse();
        JsonNode history = historyElsewhere();
        System.out.println(history.toPrettyString());
        System.out.println(cli.controls.storageWrites());
    }
}

package dev.virtuoso.rollback.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.alertpolicy.AlertPolicyChange;
import dev.virtuoso.rollback.gitrevert.GitChange;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.AlertPolicySpec;
import dev.virtuoso.rollback.model.Fixtures;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.restore.bigquery.BigQueryRestore;
import dev.virtuoso.rollback.restore.firestore.FirestoreRestore;
import dev.virtuoso.rollback.restore.secrets.SecretChange;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JournalStatesTest {
    /** The state record of each kind, as the journal names the kind. */
    private static final Map<String, Class<?>> TYPES = Map.of(TrafficChange.KIND, TrafficChange.TrafficState.class,
            ImageChange.KIND, ImageChange.ImageState.class, GitChange.KIND, GitChange.GitState.class,
            AlertPolicyChange.KIND, AlertPolicySpec.class, FirestoreRestore.KIND, FirestoreRestore.FirestoreState.class,
            BigQueryRestore.KIND, BigQueryRestore.BigQueryState.class, SecretChange.KIND,
            SecretChange.SecretState.class);

    private static List<JournalRecord> earlierJournal() throws IOException {
        try (InputStream in = JournalStatesTest.class.getResourceAsStream("/journal/every-kind.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(line -> {
                try {
                    return Json.mapper().readValue(line, JournalRecord.class);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).toList();
        }
    }

    @Test
    void everyStateAnEarlierVersionJournaledReadsTypedAndWritesBackAsTheSameJson() throws IOException {
        List<JournalRecord> records = earlierJournal();
        assertThat(records.stream().map(JournalRecord::kind).distinct()).containsExactlyInAnyOrderElementsOf(TYPES.keySet());
        for (JournalRecord r : records) {
            for (JsonNode state : new JsonNode[] {r.before(), r.after()}) {
                Object typed = JournalStates.read(state, TYPES.get(r.kind())).orElse(null);
                assertThat(typed == null).as(r.id() + " " + state).isEqualTo(state == null || state.isNull());
                // As the journal's line holds it, read back: a number is compared as the file writes it.
                JsonNode written = Json.mapper().readTree(Json.mapper().writeValueAsString(JournalStates.write(typed)));
                assertThat(written).as(r.id() + " " + r.kind()).isEqualTo(
                        state == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : state);
            }
        }
    }

    @Test
    void theTypedFieldsHoldWhatTheEarlierVersionWrote() throws IOException {
        List<JournalRecord> records = earlierJournal();
        JournalRecord git = records.stream().filter(r -> r.id().endsWith("17f6")).reduce((a, b) -> b).orElseThrow();
        GitChange.GitState noPush = GitChange.recorded(git);
        assertThat(noPush.revert()).isEqualTo("ed23e44d5d922e00b135e259fad1fccb629c5742");
        assertThat(noPush.wasPushed()).isFalse();
        assertThat(noPush.branch()).isEqualTo("main");
        JournalRecord image = records.stream().filter(r -> r.id().endsWith("e732")).reduce((a, b) -> b).orElseThrow();
        assertThat(JournalStates.read(image.before(), ImageChange.ImageState.class).orElseThrow().image())
                .isEqualTo("gcr.io/virtuoso-sandbox/virtuoso-api:v1.1.0");
        JournalRecord secrets = records.stream().filter(r -> r.id().endsWith("8bb6")).reduce((a, b) -> b).orElseThrow();
        assertThat(JournalStates.read(secrets.after(), SecretChange.SecretState.class).orElseThrow().added())
                .containsExactly("4");
    }

    @Test
    void aStateEditedIntoNonsenseIsExit2NamingTheRecord() throws IOException {
        JournalRecord r = new JournalRecord("r-1", Fixtures.T0, "bob", "quick", Fixtures.REF.path(), TrafficChange.KIND,
                Json.mapper().readTree("{\"traffic\":\"all of it\"}"), null, JournalRecord.State.verified, "s");

        assertThatThrownBy(() -> JournalStates.require(r, r.before(), TrafficChange.TrafficState.class, "traffic list"))
                .isInstanceOf(RunbookException.class).hasMessage("journal record r-1 holds no readable traffic list; "
                        + "was the journal edited? Nothing was changed");
    }
}

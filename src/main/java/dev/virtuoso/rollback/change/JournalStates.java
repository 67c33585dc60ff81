package dev.virtuoso.rollback.change;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.RunbookException;
import java.util.Optional;

/**
 * The one place a change's state (what its undo needs, what was asked, what is in effect) becomes the
 * journal's JSON and is read back: each kind names its fields once, in its state record, so a renamed
 * field fails to compile instead of making an undo read nothing. Records written by earlier versions
 * read as they always did: the state records keep the names those versions wrote.
 */
public final class JournalStates {
    private JournalStates() {
    }

    /** {@code state} as the journal holds it; none (an alert policy that does not exist) is JSON null. */
    public static JsonNode write(Object state) {
        return state == null ? NullNode.getInstance() : Json.mapper().valueToTree(state);
    }

    /** {@code node} read as {@code type}; empty when it is none or not such a state (a journal edited into nonsense). */
    public static <S> Optional<S> read(JsonNode node, Class<S> type) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Json.mapper().treeToValue(node, type));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code node} of {@code record} read as {@code type}: empty when the record holds none (JSON null or
     * no field), exit 2 naming the record when it holds one that does not read as such (an edited journal,
     * or one a newer version wrote). What undo decides from a state must never take "unreadable" for
     * "none": an alert policy read as none before a step would be deleted.
     */
    public static <S> Optional<S> readHeld(JournalRecord record, JsonNode node, Class<S> type, String what) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(require(record, node, type, what));
    }

    /** As {@link #read(JsonNode, Class)}, exit 2 naming {@code record} when there is no such state. */
    public static <S> S require(JournalRecord record, JsonNode node, Class<S> type, String what) {
        return read(node, type).orElseThrow(() -> RunbookException.invalid("journal record " + record.id()
                + " holds no readable " + what + "; was the journal edited? Nothing was changed"));
    }
}

package dev.virtuoso.rollback.change;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.virtuoso.rollback.model.VerifyReport;
import java.util.List;

/**
 * What a mutating command did, for the summary and `-o json`: the target, what was there before
 * and what is now ({@code before}/{@code after}: a traffic list, a policy), and the checks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ActionResult(
        String command,
        String target,
        Outcome outcome,
        String summary,
        JsonNode before,
        JsonNode after,
        String journalId,
        long durationMs,
        VerifyReport verification,
        List<String> notes,
        @JsonIgnore List<Change.Block> shown,
        String incidentRecord) {

    /** {@code skipped}: the caller held the change back once the lock was held (an incident already answered). */
    public enum Outcome {
        applied, unchanged, planned, skipped
    }

    /** The same result, its incident record kept at {@code where} (null: none). */
    public ActionResult recordedIn(String where) {
        return new ActionResult(command, target, outcome, summary, before, after, journalId, durationMs, verification,
                notes, shown, where);
    }

    public boolean ok() {
        return verification == null || verification.ok();
    }
}

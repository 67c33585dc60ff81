package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** What a mutating command did, for the summary and `-o json`. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ActionResult(
        String command,
        String service,
        Outcome outcome,
        String summary,
        List<TrafficEntry> before,
        List<TrafficEntry> after,
        String journalId,
        long durationMs,
        VerifyReport verification,
        List<String> notes) {

    public enum Outcome {
        applied, unchanged, planned
    }

    public boolean ok() {
        return verification == null || verification.ok();
    }
}

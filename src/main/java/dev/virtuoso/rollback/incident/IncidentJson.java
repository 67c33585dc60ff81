package dev.virtuoso.rollback.incident;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ErrorLog;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.verification.Assessment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * incident.json: what incident.md says, from the same facts, for tools (`incident show -o json`):
 * times are ISO-8601, durations milliseconds, a field that does not apply is null.
 */
final class IncidentJson {
    private IncidentJson() {
    }

    record Doc(String id, String summary, String command, String target, String where, String from, String to,
               String reason, String user, String origin, String state, boolean ended,
               List<IncidentMarkdown.Event> timeline, Decision decision, List<Check> checksBefore,
               List<Check> checksAfter, String checksAfterNote, Instant checksAfterReadAt, Files files,
               List<IncidentMarkdown.Item> checklist, List<String> problems) {
    }

    /** {@code row}: the decision-matrix row (null: none, {@code noRow} says why); {@code deadline}: met, missed or null. */
    record Decision(String row, List<String> reasons, Long withinMs, String noRow, String measuredFrom,
                    Instant applied, Instant failed, Long tookMs, String deadline) {
    }

    record Check(Verdict verdict, String name, String detail) {
    }

    /** The files beside incident.md: a name, or null when it was not written. */
    record Files(String metricsPng, String metricsSvg, ErrorsJsonl errorsJsonl) {
    }

    /** {@code truncated}: there were more entries than the record keeps. */
    record ErrorsJsonl(String name, int entries, boolean truncated) {
    }

    static String render(IncidentMarkdown.Facts f) {
        JournalRecord first = f.first();
        JournalRecord last = f.states().get(f.states().size() - 1);
        List<IncidentMarkdown.Event> timeline = IncidentMarkdown.timeline(f);
        IncidentMarkdown.Decision d = IncidentMarkdown.decision(f, timeline);
        List<Check> after = new ArrayList<>();
        f.states().stream().filter(r -> r.detail() != null && r.detail().startsWith("verification:"))
                .reduce((a, b) -> b).ifPresent(r -> after.add(new Check(r.state() == JournalRecord.State.failed
                        ? Verdict.FAIL : Verdict.PASS, "health and functional checks",
                        r.detail().substring("verification:".length()).trim())));
        after.addAll(checks(f.after(), f));
        ErrorLog log = f.exported() ? f.errors() : null;
        Doc doc = new Doc(first.id(), f.about().summary(), first.command(), first.target(), f.about().where(),
                f.about().from(), f.about().to(), first.reason(), first.user(), first.origin(), last.state().name(),
                f.ended(), timeline, new Decision(d.row(), d.reasons(), d.within() == null ? null
                        : d.within().toMillis(), d.noRow(), d.measuredFrom(), d.applied(), d.failed(),
                        d.took() == null ? null : d.took().toMillis(), d.deadline()),
                checks(f.before(), f), after, f.after() == null ? null : IncidentMarkdown.afterNote(f),
                f.afterReadAt().orElse(null), new Files(f.drawn() ? "metrics.png" : null,
                        f.drawn() ? "metrics.svg" : null, log == null ? null
                        : new ErrorsJsonl("errors.jsonl", log.entries().size(), log.truncated())),
                IncidentMarkdown.checklist(f), f.problems());
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Check> checks(Assessment a, IncidentMarkdown.Facts f) {
        return Optional.ofNullable(a).map(x -> x.checks(f.triggers()).stream()
                .map((CheckResult c) -> new Check(c.verdict(), c.name(), c.detail())).toList()).orElse(List.of());
    }
}

package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.HistoryView;
import dev.virtuoso.rollback.model.RunbookException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "history", description = {
    "List what was done, one line per action; `history ID` (or -v) shows the whole record.",
    "Each line: the id (its last part), local time, who, what was asked, from → to, the outcome "
        + "(planned, applied, verified, failed, interrupted; `applied, checks failed` and `interrupted, in effect` "
        + "when the change is in effect all the same), and whether a person or automation (watch, drill) acted. "
        + "Journal ids in a command (undo ID) are shown short. A drill is one line; its steps are in its record. "
        + "File: $ROLLBACK_HOME/journal.jsonl."},
        footer = {"", "Examples:", "  rollback history", "  rollback history 6b0d", "  rollback history -v --limit 5"})
public final class HistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "One record, whole (the short id history shows works).")
    String id;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Newest N actions (default ${DEFAULT-VALUE}; 0 = all).")
    int limit;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw RunbookException.invalid("--limit must be 0 (all) or more, not " + limit);
        }
        Session s = Session.of(spec);
        List<JournalRecord> all = s.journal().history();
        if (id != null) {
            JournalRecord r = s.journal().find(id).orElseThrow(() -> RunbookException.invalid("no journal record " + id
                    + "; see `rollback history`"));
            return HistoryView.record(s.output(), r, all.stream().filter(step -> r.id().equals(step.parent()))
                    .toList());
        }
        // Newest first, so that a long journal is read only as far back as shown (its records are
        // parsed when read); JSON lists the steps of composite actions too.
        List<JournalRecord> shown = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && (limit <= 0 || shown.size() < limit); i--) {
            if (s.output().json() || all.get(i).parent() == null) {
                shown.add(all.get(i));
            }
        }
        Collections.reverse(shown);
        return HistoryView.print(s.output(), shown, all);
    }
}

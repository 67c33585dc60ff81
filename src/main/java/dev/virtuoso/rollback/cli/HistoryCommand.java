package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.RunbookException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "history", description = {
    "List the journal of every step taken.",
    "Each step with its newest state (planned, applied, verified, failed, interrupted). "
        + "File: $ROLLBACK_HOME/journal.jsonl."})
final class HistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Newest N steps (default ${DEFAULT-VALUE}; 0 = all).")
    int limit;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw RunbookException.invalid("--limit must be 0 (all) or more, not " + limit);
        }
        Session s = Session.of(spec);
        var all = s.journal().history();
        return s.output().history(limit > 0 && all.size() > limit ? all.subList(all.size() - limit, all.size()) : all);
    }
}

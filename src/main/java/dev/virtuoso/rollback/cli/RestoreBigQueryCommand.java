package dev.virtuoso.rollback.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bigquery", description = "Restore a table to an earlier time after snapshotting it (not implemented yet).")
final class RestoreBigQueryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--table", paramLabel = "DATASET.TABLE", required = true, description = "Table to restore.")
    String table;

    @Option(names = "--at", paramLabel = "TIME", required = true, description = "Epoch millis, ISO-8601 instant, or -2h.")
    String at;

    @Override
    public Integer call() {
        throw Pending.notYet(spec);
    }
}

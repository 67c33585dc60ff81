package dev.virtuoso.rollback.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "firestore", description = "Import a Firestore export after exporting the current data (not implemented yet).")
final class RestoreFirestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--from", paramLabel = "gs://BUCKET/PREFIX", required = true, description = "Export to import.")
    String from;

    @Option(names = "--collections", split = ",", paramLabel = "A,B", description = "Only these collections.")
    List<String> collections;

    @Option(names = "--database", paramLabel = "ID", description = "Database (default: the runbook's).")
    String database;

    @Option(names = "--backup-to", paramLabel = "gs://...", description = "Where the pre-restore export goes.")
    String backupTo;

    @Override
    public Integer call() {
        throw Pending.notYet(spec);
    }
}

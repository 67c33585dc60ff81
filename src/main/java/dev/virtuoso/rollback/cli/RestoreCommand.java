package dev.virtuoso.rollback.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "restore", description = "Restore the data behind the service; every restore backs up first (not implemented yet).",
        subcommands = {RestoreCommand.Firestore.class, RestoreCommand.BigQuery.class, RestoreCommand.Secrets.class})
final class RestoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name what to restore: firestore, bigquery or secrets");
    }

    @Command(name = "firestore", description = "Import a Firestore export after exporting the current data (not implemented yet).")
    static final class Firestore implements Callable<Integer> {
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

    @Command(name = "bigquery", description = "Restore a table to an earlier time after snapshotting it (not implemented yet).")
    static final class BigQuery implements Callable<Integer> {
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

    @Command(name = "secrets", description = "Serve an earlier secret version again (not implemented yet).")
    static final class Secrets implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--secret", paramLabel = "NAME", required = true, description = "Secret.")
        String secret;

        @Option(names = "--to-version", paramLabel = "N", required = true, description = "Version to serve again.")
        int version;

        @Option(names = "--strategy", paramLabel = "S", defaultValue = "add-version",
                description = "add-version (default) or disable-newer.")
        String strategy;

        @Override
        public Integer call() {
            throw Pending.notYet(spec);
        }
    }
}

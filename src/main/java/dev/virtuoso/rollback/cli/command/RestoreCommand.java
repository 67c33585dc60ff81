package dev.virtuoso.rollback.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "restore", description = {"Restore the data behind the service: a Firestore database, a BigQuery table, a "
    + "Secret Manager secret.", "Each restore backs up (or keeps) what it replaces first, is planned, confirmed and "
    + "journaled, and `rollback undo` reverses it."},
        subcommands = {RestoreFirestoreCommand.class, RestoreBigQueryCommand.class, RestoreSecretsCommand.class})
public final class RestoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name what to restore: firestore, bigquery or secrets");
    }
}

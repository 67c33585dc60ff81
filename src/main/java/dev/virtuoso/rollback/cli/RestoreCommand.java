package dev.virtuoso.rollback.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "restore", description = "Restore the data behind the service; every restore backs up first (not implemented yet).",
        subcommands = {RestoreFirestoreCommand.class, RestoreBigQueryCommand.class, RestoreSecretsCommand.class})
final class RestoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name what to restore: firestore, bigquery or secrets");
    }
}

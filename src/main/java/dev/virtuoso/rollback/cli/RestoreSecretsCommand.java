package dev.virtuoso.rollback.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "secrets", description = "Serve an earlier secret version again (not implemented yet).")
final class RestoreSecretsCommand implements Callable<Integer> {
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

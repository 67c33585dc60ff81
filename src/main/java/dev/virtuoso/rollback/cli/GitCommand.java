package dev.virtuoso.rollback.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "git", description = {
    "Method 3: git revert a commit, push, wait for the new revision, verify (not implemented yet)."})
final class GitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--commit", defaultValue = "HEAD", description = "Commit to revert (default ${DEFAULT-VALUE}).")
    String commit;

    @Option(names = "--repo", defaultValue = ".", description = "Repository (default ${DEFAULT-VALUE}).")
    Path repo;

    @Option(names = "--remote", defaultValue = "origin", description = "Remote (default ${DEFAULT-VALUE}).")
    String remote;

    @Option(names = "--branch", defaultValue = "main", description = "Branch (default ${DEFAULT-VALUE}).")
    String branch;

    @Option(names = "--timeout", defaultValue = "20m", description = "Wait for the new revision (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--no-push", description = "Revert locally only.")
    boolean noPush;

    @Option(names = "--no-wait", description = "Do not wait for the new revision.")
    boolean noWait;

    @Override
    public Integer call() {
        throw Pending.notYet(spec);
    }
}

package dev.virtuoso.rollback.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "watch", description = "Evaluate the triggers on an interval; --auto rolls back (not implemented yet).")
final class WatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Pending.notYet(spec);
    }
}

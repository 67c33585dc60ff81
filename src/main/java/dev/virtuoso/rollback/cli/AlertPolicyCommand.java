package dev.virtuoso.rollback.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "alert-policy", description = "Print or --apply the Cloud Monitoring alert policy (not implemented yet).")
final class AlertPolicyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Pending.notYet(spec);
    }
}

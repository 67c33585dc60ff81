package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.JournalRecord;
import dev.virtuoso.rollback.runbook.Plan;
import dev.virtuoso.rollback.runbook.ServiceRef;
import dev.virtuoso.rollback.runbook.ServiceState;
import dev.virtuoso.rollback.runbook.Undo;
import dev.virtuoso.rollback.runbook.VerifyRequest;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "undo", description = {
    "Restore the traffic recorded before a journal step.",
    "The exact traffic list (types, revisions, percents, tags) from before step ID, by default the newest step "
        + "that changed traffic. The undo is itself planned, confirmed and journaled."})
final class UndoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "Journal id (see `rollback history`).")
    String id;

    @Option(names = "--no-verify", description = "Skip the checks after the change.")
    boolean noVerify;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        JournalRecord record = Undo.pick(s.journal(), id);
        ServiceRef ref = Undo.service(record);
        ServiceState state = s.control().service(ref);
        Plan plan = Undo.plan(record, state, s.control().revisions(ref));
        Optional<VerifyRequest> verify = noVerify || plan.unchanged()
                ? Optional.empty() : Optional.of(s.verifyRequest(state, true, true));
        return s.output().action(s.executor().execute(plan, verify));
    }
}

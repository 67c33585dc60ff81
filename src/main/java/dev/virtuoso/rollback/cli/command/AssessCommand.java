package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.AssessView;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.verification.Assessment;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "assess", description = {
    "Judge the error rate and P95 against the triggers and the decision matrix; exit 3 when a trigger fires.",
    "Reads Cloud Monitoring over the runbook's trigger window and answers with the severity, the action and "
        + "its deadline, e.g. \"critical — immediate rollback — within 5m\". When a trigger fires, it prints the "
        + "command that rolls back to the previous revision, with the runbook and target options given here."})
public final class AssessCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--revision", paramLabel = "R", description = "Judge one revision only.")
    String revision;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        if (revision != null) {
            // An unknown revision has no metrics: that is a typo, not an "inconclusive".
            revision = s.revision(revision);
        }
        Assessment a = s.verification().assess(s.metricRequest(Optional.ofNullable(revision)));
        String lead = "roll back with";
        String command = s.rollbackCommand("quick", "--previous");
        if (a.fired() && revision == null) {
            // Right after a rollback the window still holds the minutes of the revision rolled away
            // from, and `quick --previous` would refuse: what serves now is judged by its own metrics.
            ServiceState now = s.control().service(s.target().service());
            Optional<String> rolledBack = QuickRollback.rolledBackTo(s.journal().history(), now, s.ctx.clock().instant());
            if (rolledBack.isPresent() && now.servingRevision().isPresent()) {
                lead = rolledBack.get() + "; the window still holds minutes from before it. Judge what serves now with";
                command = s.rollbackCommand("assess", "--revision", now.servingRevision().get());
            }
        }
        return AssessView.print(s.output(), a, s.target().service().name(), lead, command);
    }
}

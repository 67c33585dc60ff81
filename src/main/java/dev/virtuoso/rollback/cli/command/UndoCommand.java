package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.undo.Undo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "undo", description = {
    "Put back what was there before a journal step.",
    "By default the newest step that changed something (a drill counts as one step). For traffic, the exact "
        + "list (types, revisions, percents, tags); for the alert policy, the policy as it was (deleted if the "
        + "step created it); for a secret, each version's state (a version the restore added is never destroyed: "
        + "latest is made to serve what it served); for a BigQuery restore, the table from the snapshot taken "
        + "before it; for a Firestore restore, an import of the backup it took first (documents the restore "
        + "created stay: an import never deletes); for a git revert, the revert reverted, pushed and deployed (one "
        + "made with --no-push and still not pushed is dropped instead: the branch goes back to the commit before "
        + "it). The undo is itself planned, confirmed and journaled.",
    "It never overwrites a later change: when the resource is no longer what the step left (a colleague rolled "
        + "the service elsewhere, a secret version was added, the table was written, another import ran), it "
        + "stops with exit 5, says what is there now and, when the journal knows, who changed it and when. "
        + "--force undoes anyway, and the journal says so."})
public final class UndoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "Journal id (see `rollback history`).")
    String id;

    @Option(names = "--no-verify", description = "Skip the checks after the change.")
    boolean noVerify;

    @Option(names = "--force", description = "Undo even though the resource changed after the step, overwriting "
            + "that later change (journaled as `undo ID --force`); that includes a change the service is still "
            + "applying that this run did not send.")
    boolean force;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        JournalRecord record = Undo.pick(s.journal(), id);
        Undo.Prepared undo = Undo.prepare(record, new Undo.Ports(s.control(), s.alertPolicies(), s.git(), s.secrets(),
                s.bigquery(), s.firestoreAdmin(), s.firestoreExports(), s.waiting()), s.journal().history(),
                s.ctx.clock().instant(), force);
        Change<?> change = undo.change();
        ChangePipeline forced = s.pipeline().forcing(force);
        ChangePipeline pipeline = undo.overwrites().map(forced::noting).orElse(forced);
        return ActionView.print(s.output(), pipeline.execute(change, s.checksAfter(change, noVerify), !noVerify));
    }
}

package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.traffic.QuickRollback;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quick", description = {
    "Method 1: route traffic to a revision that already exists.",
    "Shows the plan, asks (or --yes), journals, applies, waits until the new split really serves, then runs "
        + "the checks. Tags are kept. Routing to a revision pins the service until `rollback quick --to-latest`."},
        footer = {"", "Examples:", "  rollback -r runbooks/virtuoso-api.yaml quick --previous",
            "  rollback quick --to-revision virtuoso-api-00002-def --percent 10",
            "  rollback quick --to-tag stable-2024-07-24 --yes", "  rollback quick --to-latest"})
public final class QuickCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Destination to;

    @Option(names = "--percent", paramLabel = "N", defaultValue = "100",
            description = "Percent for the target (1..100, default ${DEFAULT-VALUE}); the rest stays on the revision serving now.")
    int percent;

    @Option(names = "--no-verify", description = "Skip the health and functional checks after the change.")
    boolean noVerify;

    @Option(names = "--again", description = "With --previous: go one further back, even though the revision serving "
            + "now was itself rolled back to within the hour.")
    boolean again;

    @Option(names = "--accept-rolled-back", description = "With --to-latest: route back to the latest Ready revision "
            + "even though a rollback moved away from it (needed with --yes).")
    boolean acceptRolledBack;

    @Option(names = "--force", description = "Go on despite a warning of the plan: the target pins a secret version "
            + "that is disabled or destroyed (its new instances would not start), or the service is still applying "
            + "a change this run did not send (a colleague's rollback, CI's deploy), which this one replaces (without "
            + "--force that is a second question, and with --yes a refusal).")
    boolean force;

    static final class Destination {
        @Option(names = "--to-revision", paramLabel = "REVISION", required = true, description = "A revision of the service.")
        String revision;

        @Option(names = "--to-tag", paramLabel = "TAG", required = true, description = "The revision carrying this tag.")
        String tag;

        @Option(names = "--previous", required = true,
                description = "The newest Ready revision older than the one serving most traffic.")
        boolean previous;

        @Option(names = "--to-latest", required = true, description = "The latest Ready revision again (un-pins).")
        boolean latest;

        QuickRollback.Destination toDestination() {
            if (revision != null) {
                return new QuickRollback.ToRevision(revision);
            }
            if (tag != null) {
                return new QuickRollback.ToTag(tag);
            }
            return previous ? new QuickRollback.Previous() : new QuickRollback.ToLatest();
        }
    }

    @Override
    public Integer call() {
        if (again && !to.previous) {
            throw RunbookException.invalid("--again goes with --previous");
        }
        if (acceptRolledBack && !to.latest) {
            throw RunbookException.invalid("--accept-rolled-back goes with --to-latest");
        }
        Session s = Session.of(spec);
        QuickRollback.Guarded ready = QuickRollback.prepare(new QuickRollback.Request(s.target().service(),
                to.toDestination(), percent, again, acceptRolledBack, force, Optional.empty()), s.control(), s.secrets(),
                s.journal().history(), s.ctx.clock().instant(), s.opts.yes && !s.dryRun());
        TrafficChange change = new TrafficChange(ready.plan(), s.control(), ready.caution());
        return ActionView.print(s.output(),
                s.pipeline().forcing(force).execute(change, s.checksAfter(change, noVerify)));
    }
}

package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.model.Plan;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.traffic.TagRevision;
import dev.virtuoso.rollback.traffic.TrafficChange;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "tag", description = {
    "Tag a revision, keeping the traffic split.",
    "The tag gives the revision its own URL (https://TAG---SERVICE-...run.app) and a name to roll back to "
        + "(`rollback quick --to-tag TAG`)."})
public final class TagCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--revision", paramLabel = "REVISION", description = "Revision to tag (default: the one serving most traffic).")
    String revision;

    @Option(names = "--name", paramLabel = "TAG", description = "Tag name (default: stable-YYYY-MM-DD, UTC today).")
    String name;

    @Option(names = "--force", description = "Tag although the service is still applying a change this run did not "
            + "send: the new traffic list replaces it (without --force that is a second question, and with --yes a "
            + "refusal).")
    boolean force;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        ServiceState state = s.control().service(s.target().service());
        String tag = name != null ? name : TagRevision.defaultName(s.ctx.clock().instant());
        Plan plan = TagRevision.plan(state, s.control().revisions(state.ref()), revision, tag);
        // Tagging changes no serving revision, so there is nothing new to verify.
        return ActionView.print(s.output(), s.pipeline().forcing(force).execute(new TrafficChange(plan, s.control()),
                Optional.empty()));
    }
}

package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.image.ImageRollback;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "image", description = {
    "Method 2: serve a previous container image again.",
    "The image history is the service's own revisions (no registry call). When a Ready revision already runs "
        + "the image with the service's configuration, traffic goes to it; otherwise the image is deployed as a "
        + "new revision, and once it is Ready it serves 100%%: through LATEST when all traffic follows LATEST "
        + "(the service stays un-pinned), else routed to it by name (pinned), tags kept. The tool waits until it "
        + "serves, then runs the checks. A revision that never becomes Ready leaves the traffic as it was, asked "
        + "and served (exit 4, its message shown)."},
        footer = {"", "Examples:", "  rollback image --previous",
            "  rollback image --image gcr.io/virtuoso-generator/virtuoso-api:v1.0.0"})
public final class ImageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--force-redeploy", description = "Deploy a new revision even when one already runs the image.")
    boolean forceRedeploy;

    @Option(names = "--force", description = "Go on despite a warning of the plan: the revision pins a secret "
            + "version that is disabled or destroyed (its new instances would not start), or the service is still "
            + "applying a change this run did not send (a colleague's rollback, CI's deploy), which this one replaces "
            + "(without --force that is a second question, and with --yes a refusal).")
    boolean force;

    @Option(names = "--no-verify", description = "Skip the health and functional checks after the change.")
    boolean noVerify;

    static final class Source {
        @Option(names = "--image", paramLabel = "REF", required = true, description = "Image to serve: "
                + "REGISTRY/PATH:TAG or REGISTRY/PATH@sha256:DIGEST (anything else is refused before any call). The "
                + "plan warns when no revision of the service ever ran it: a typo, or another registry?")
        String image;

        @Option(names = "--previous", required = true,
                description = "The newest image, older than the serving revision's, that differs from it.")
        boolean previous;
    }

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        Change<?> change = ImageRollback.prepare(new ImageRollback.Request(s.target().service(), source.image != null
                ? new ImageRollback.ToImage(source.image) : new ImageRollback.Previous(), forceRedeploy, force),
                s.control(), s.secrets(), s.journal().history(), s.ctx.clock().instant());
        return ActionView.print(s.output(),
                s.pipeline().forcing(force).execute(change, s.checksAfter(change, noVerify)));
    }
}

package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.gitrevert.GitChange;
import dev.virtuoso.rollback.gitrevert.GitRollback;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "git", description = {
    "Method 3: git revert a commit, push it, wait for the revision CI deploys, verify.",
    "Checks first that the repository is clean, on --branch and level with --remote (after a fetch), and that "
        + "the commit is on the branch. Then `git revert --no-edit` (-m 1 for a merge), push, and wait up to "
        + "--timeout for a new Ready revision created after the push. A conflict is aborted (exit 2, the tree as "
        + "it was); a refused push keeps the local revert (exit 4). `rollback undo` reverts the revert (or, for "
        + "--no-push, drops the local revert commit).",
    "Run again, it does not revert its own revert: when HEAD is a revert (its message says so, or the journal "
        + "made it), reverting it would deploy the change it took out again, so it stops (exit 2) and points at "
        + "`rollback undo` and at --again, which goes one further back."},
        footer = {"", "Examples:", "  rollback git --repo ~/src/virtuoso-api", "  rollback git --commit 1a2b3c4 --no-wait",
            "  rollback git --no-push        (revert locally, push yourself)",
            "  rollback git --again          (the release before the one rolled back is bad too)"})
public final class GitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--commit", paramLabel = "REF", defaultValue = "HEAD", description = "Commit to revert (default "
            + "${DEFAULT-VALUE}; HEAD is refused when it is a revert itself).")
    String commit;

    @Option(names = "--again", description = "Revert the newest change still in effect (not a revert, not reverted), "
            + "even when HEAD is a revert: one further back.")
    boolean again;

    @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".", description = "A clone of the service's repository (default ${DEFAULT-VALUE}).")
    Path repo;

    @Option(names = "--remote", paramLabel = "NAME", defaultValue = "origin", description = "Remote (default ${DEFAULT-VALUE}).")
    String remote;

    @Option(names = "--branch", paramLabel = "NAME", defaultValue = "main", description = "Branch (default ${DEFAULT-VALUE}).")
    String branch;

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "20m", description = "Wait for the new revision (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--no-push", description = "Revert locally only; the push command is printed.")
    boolean noPush;

    @Option(names = "--no-wait", description = "Stop after the push: do not wait for the new revision.")
    boolean noWait;

    @Option(names = "--to-latest", description = "Route 100%% to the new revision once Ready (a pinned service "
            + "otherwise gives it no traffic).")
    boolean toLatest;

    @Option(names = "--no-verify", description = "Skip the checks after the deploy.")
    boolean noVerify;

    @Override
    public Integer call() {
        Durations.positive("--timeout", timeout);
        Session s = Session.of(spec);
        GitChange change = GitRollback.prepare(new GitRollback.Request(s.target().service(), repo, commit, remote, branch,
                !noPush, !noWait, toLatest, again), s.git(), s.control(), s.journal().history(), s.ctx.clock().instant());
        return ActionView.print(s.output(), s.pipeline().waitingAtMost(timeout).execute(change,
                s.checksAfter(change, noVerify)));
    }
}

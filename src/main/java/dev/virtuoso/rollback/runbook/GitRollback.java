package dev.virtuoso.rollback.runbook;

import java.nio.file.Path;

/**
 * Method 3 of the written runbook, planned: the repository is checked (clean, on the branch, level
 * with its remote) and the commit resolved before anything is offered, so every problem with them
 * is exit 2 with nothing changed.
 */
public final class GitRollback {
    private GitRollback() {
    }

    public record Request(ServiceRef service, Path repo, String commit, String remote, String branch, boolean push,
                          boolean waitForDeploy, boolean toLatest) {
        String command(Commit c) {
            return "git --commit " + c.shortSha() + (push ? "" : " --no-push") + (push && !waitForDeploy ? " --no-wait" : "")
                    + (toLatest ? " --to-latest" : "");
        }
    }

    public static GitChange prepare(Request req, SourceControl git, ServiceControl control) {
        if (req.toLatest() && (!req.push() || !req.waitForDeploy())) {
            throw RunbookException.invalid("--to-latest routes to the revision CI deploys, so it needs the push and "
                    + "the wait: drop --no-push and --no-wait");
        }
        git.checkReady(req.repo(), req.remote(), req.branch());
        Commit commit = git.commit(req.repo(), req.branch(), req.commit());
        return new GitChange(req.command(commit), control.service(req.service()), control.revisions(req.service()),
                new GitChange.Repo(req.repo(), req.remote(), req.branch(), req.push(), req.waitForDeploy(),
                        req.toLatest()), commit, git, control);
    }
}

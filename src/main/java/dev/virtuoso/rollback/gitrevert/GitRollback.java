package dev.virtuoso.rollback.gitrevert;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.model.Commit;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.SourceControl;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Method 3 of the written runbook, planned: the repository is checked (clean, on the branch, level
 * with its remote) and the commit resolved before anything is offered, so every problem with them
 * is exit 2 with nothing changed.
 */
public final class GitRollback {
    /** How far back along the branch `--again` looks for a change still in effect. */
    static final int AGAIN_DEPTH = 100;

    private GitRollback() {
    }

    /**
     * {@code commit} as given (HEAD by default); {@code again}: revert the newest change still in
     * effect, even when HEAD is a revert.
     */
    public record Request(ServiceRef service, Path repo, String commit, String remote, String branch, boolean push,
                          boolean waitForDeploy, boolean toLatest, boolean again) {
        String command(Commit c) {
            return "git --commit " + c.shortSha() + (push ? "" : " --no-push") + (push && !waitForDeploy ? " --no-wait" : "")
                    + (toLatest ? " --to-latest" : "");
        }
    }

    public static GitChange prepare(Request req, SourceControl git, ServiceControl control, List<JournalRecord> history,
                                    Instant now) {
        if (req.toLatest() && (!req.push() || !req.waitForDeploy())) {
            throw RunbookException.invalid("--to-latest routes to the revision CI deploys, so it needs the push and "
                    + "the wait: drop --no-push and --no-wait");
        }
        if (req.again() && !"HEAD".equals(req.commit())) {
            throw RunbookException.invalid("--again picks the commit itself (the newest change still in effect on "
                    + req.branch() + "); it goes without --commit");
        }
        git.checkReady(req.repo(), req.remote(), req.branch());
        Commit commit;
        if (req.again()) {
            commit = newestInEffect(git.log(req.repo(), req.branch(), AGAIN_DEPTH)).orElseThrow(() ->
                    RunbookException.invalid("every one of the last " + AGAIN_DEPTH + " commits of " + req.branch()
                            + " is a revert or reverted: name the commit to revert with --commit"));
        } else {
            commit = git.commit(req.repo(), req.branch(), req.commit());
            if ("HEAD".equals(req.commit())) {
                notARollback(req, commit, git, history, now);
            }
        }
        return new GitChange(req.command(commit), control.service(req.service()), control.revisions(req.service()),
                new GitChange.Repo(req.repo(), req.remote(), req.branch(), req.push(), req.waitForDeploy(),
                        req.toLatest()), commit, git, control);
    }

    /**
     * Run a second time, `rollback git` would revert its own revert and put back the release it
     * rolled back from. HEAD is such a revert when its message says it reverts a commit of the branch
     * that is not a revert itself (whoever made it: the journal may be another engineer's, or it was
     * made by hand), or, where the message says nothing, when this journal holds the `git` step that
     * made it. Reverting a revert of a revert takes a change out again: a rollback, let through.
     * Exit 2, pointing at `undo` (or at naming the commit) and at `--again`.
     */
    private static void notARollback(Request req, Commit head, SourceControl git, List<JournalRecord> history,
                                     Instant now) {
        Optional<JournalRecord> made = Journal.newest(history, r -> GitChange.KIND.equals(r.kind())
                && r.command().startsWith("git ") && JournalStates.read(r.after(), GitChange.GitState.class)
                        .map(a -> head.sha().equals(a.revert())).orElse(false));
        String reverted = head.reverts() != null ? head.reverts()
                : made.flatMap(r -> JournalStates.read(r.after(), GitChange.GitState.class))
                        .map(GitChange.GitState::commit).orElse(null);
        if (reverted == null) {
            return;
        }
        Commit change = git.commit(req.repo(), req.branch(), reverted);
        if (change.reverts() != null) {
            return;
        }
        String why = made.map(r -> "HEAD " + head.quoted() + " is the revert `" + r.command() + "` made "
                        + r.ago(now) + " (by " + r.user() + ", journal " + r.id() + ")")
                .orElse("HEAD " + head.quoted() + " (by " + head.author() + ") reverts " + change.shortSha());
        String onPurpose = made.map(r -> "`rollback undo " + r.id() + "`")
                .orElse("`rollback git --commit " + head.shortSha() + "`");
        String further = newestInEffect(git.log(req.repo(), req.branch(), AGAIN_DEPTH))
                .map(c -> "; to go one further back, `rollback git --again` (reverts " + c.quoted() + ")").orElse("");
        throw RunbookException.invalid(why + "; reverting it would put " + change.quoted() + " back, the change it "
                + "rolled back: to do that, " + onPurpose + further);
    }

    /**
     * The newest commit of {@code log} (newest first) whose change is still in effect: neither a
     * revert nor a commit a later revert took out. A revert taken out in turn puts its commit back.
     */
    static Optional<Commit> newestInEffect(List<Commit> log) {
        Set<String> takenOut = new HashSet<>();
        for (Commit c : log) {
            if (takenOut.contains(c.sha())) {
                continue;
            }
            if (c.reverts() == null) {
                return Optional.of(c);
            }
            takenOut.add(c.reverts());
        }
        return Optional.empty();
    }
}

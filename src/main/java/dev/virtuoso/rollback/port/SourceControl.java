package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.Commit;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Port: the service's git repository (Method 3, revert and redeploy). Every failure is a
 * {@link RunbookException}: a repository that is not ready, an unknown name or a revert that
 * conflicts is {@link ExitCode#INVALID_INPUT} with nothing changed; a remote that cannot be
 * reached or refuses a push is {@link ExitCode#API_FAILURE}.
 *
 * <p>{@link #checkReady} comes first, for the same repository, remote and branch: the methods
 * after it rely on its checks (a work tree, a valid branch name, a configured remote) and do not
 * repeat them. {@link #revert} re-checks only what can change while the plan waits for a yes.
 */
public interface SourceControl {
    /**
     * Changes nothing in the work tree (a fetch only updates {@code remote/branch}), fails unless
     * {@code repo} is a git work tree with nothing uncommitted and nothing half-done (merge,
     * revert, rebase), HEAD is on {@code branch}, and {@code branch} is level with
     * {@code remote/branch}: not behind, not ahead (its unpushed commits would go out with the
     * revert), not diverged.
     */
    @ReadOnly
    void checkReady(Path repo, String remote, String branch);

    /**
     * The commit {@code ref} names (a SHA, HEAD~1, a tag...), which must be on {@code branch}:
     * reverting a commit the branch does not contain would make an unrelated change.
     */
    @ReadOnly
    Commit commit(Path repo, String branch, String ref);

    /**
     * The commit {@code remote/branch} points at after a fetch (which changes nothing in the work
     * tree), whether or not the local branch is level with it.
     */
    @ReadOnly
    Commit remoteHead(Path repo, String remote, String branch);

    /**
     * Commits the revert of {@code commit} on the branch {@link #checkReady} was last given for
     * {@code repo} and returns the new commit's SHA; empty when the revert changes nothing (the
     * branch already lacks the commit's changes, as on a re-run), and then nothing was changed.
     * Fails with nothing changed unless the tree is still clean with nothing half done and HEAD is
     * still on that branch, at the commit checkReady saw (or the revert this made since). A revert
     * that fails (a conflict, a hook) is undone, leaving the work tree and HEAD as they were.
     */
    @Mutating
    Optional<String> revert(Path repo, Commit commit);

    /**
     * The commits of {@code branch}, newest first, along first parents (the branch's own line, not
     * what merges brought in), at most {@code max}.
     */
    @ReadOnly
    List<Commit> log(Path repo, String branch, int max);

    /** Whether {@code remote/branch} holds the commit {@code sha}, after a fetch (which changes nothing in the work tree). */
    @ReadOnly
    boolean pushed(Path repo, String remote, String branch, String sha);

    /**
     * Changes nothing; fails unless {@link #drop} could drop {@code sha} now: {@code repo} is a
     * work tree with nothing uncommitted and nothing half done, HEAD on {@code branch} exactly at
     * {@code sha}. A branch that moved past it is {@link ExitCode#CONFLICT} (its later commits would
     * go too), one that no longer holds it {@link ExitCode#INVALID_INPUT}.
     */
    @ReadOnly
    void checkDrop(Path repo, String remote, String branch, String sha);

    /**
     * Drops {@code sha}, a commit of {@code branch} never pushed: the branch goes back to its
     * parent, which is returned. Checks first what {@link #checkDrop} checks, and that
     * {@code remote/branch} does not hold it after a fetch ({@link ExitCode#CONFLICT}); fails with
     * nothing changed otherwise.
     */
    @Mutating
    String drop(Path repo, String remote, String branch, String sha);

    /**
     * Pushes {@code branch} to {@code remote}, never forcing. When the remote refuses, the local
     * commits stay, and the error says why and which command to run later.
     */
    @Mutating
    void push(Path repo, String remote, String branch);
}

package dev.virtuoso.rollback.gitrevert;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.model.Commit;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.SourceControl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The undo of `git --no-push`: the revert commit was never pushed, so it is dropped from the branch,
 * which goes back to the commit before it. Reverting it instead would leave two local commits that
 * cancel out, and a branch ahead of its remote that no later rollback accepts. Nothing reaches the
 * remote or the service. Its own undo reverts the commit again, locally.
 */
final class GitDrop implements Change<GitChange.GitState> {
    private final String command;
    private final JournalRecord record;
    private final GitChange.GitState was;
    private final Path repo;
    private final String remote;
    private final String branch;
    private final Commit revert;
    private final Commit parent;
    private final SourceControl git;
    private boolean dropped;

    GitDrop(String command, JournalRecord record, SourceControl git) {
        this.was = GitChange.recorded(record);
        this.command = command;
        this.record = record;
        this.repo = was.repoPath();
        this.remote = was.remote();
        this.branch = was.branch();
        this.revert = git.commit(repo, branch, was.revert());
        this.parent = git.commit(repo, branch, revert.parent());
        this.git = git;
    }

    @Override
    public About about() {
        return About.of(GitChange.KIND, command, record.target(), repo + " (" + branch + ")", summary())
                .withNotes(notes())
                .withChange(revert.shortSha(), parent.shortSha());
    }

    @Override
    public Class<GitChange.GitState> stateType() {
        return GitChange.GitState.class;
    }

    private String summary() {
        return "drop the local revert " + revert.shortSha() + " from " + branch + ", never pushed: " + branch
                + " goes back to " + parent.quoted();
    }

    @Override
    public List<Block> preview() {
        return List.of(new Lines("steps", List.of("git reset --keep " + parent.shortSha() + "   (drops " + revert.quoted()
                + ", a local commit of " + record.id() + ")")));
    }

    @Override
    public List<Block> shown(GitChange.GitState applied) {
        return List.of(new Lines("git", List.of("dropped " + revert.shortSha() + "; " + branch + " is at "
                + parent.shortSha() + " again (nothing was pushed)")));
    }

    private List<String> notes() {
        return List.of("the revert was never pushed: " + remote + " and the service are not touched",
                "`rollback undo` after this reverts " + Commit.shortSha(was.commit())
                        + " again, locally");
    }

    @Override
    public GitChange.GitState before() {
        return was;
    }

    @Override
    public GitChange.GitState asked() {
        return was.dropping(revert.sha());
    }

    @Override
    public GitChange.GitState apply(Duration limit, Progress progress) {
        String head = git.drop(repo, remote, branch, revert.sha());
        dropped = true;
        progress.done("dropped " + revert.shortSha() + " from " + branch);
        return asked().at(head);
    }

    /** Dropped or not, as HEAD says: a reset stopped midway (Ctrl-C) is read, not assumed. */
    @Override
    public Truth<GitChange.GitState> truth(Duration within) {
        if (dropped) {
            return new Truth<>(true, true, true, null, null, asked());
        }
        try {
            String head = git.commit(repo, branch, "HEAD").sha();
            return head.equals(revert.sha()) ? new Truth<>(true, false, false, null, null, before())
                    : head.equals(parent.sha()) ? new Truth<>(true, true, true, null, null, asked()) : Truth.unreadable();
        } catch (RuntimeException e) {
            return Truth.unreadable();
        }
    }
}

package dev.virtuoso.rollback.gitrevert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
final class GitDrop implements Change {
    private final String command;
    private final JournalRecord record;
    private final Path repo;
    private final String remote;
    private final String branch;
    private final Commit revert;
    private final Commit parent;
    private final SourceControl git;
    private boolean dropped;

    GitDrop(String command, JournalRecord record, SourceControl git) {
        JsonNode was = record.after();
        this.command = command;
        this.record = record;
        this.repo = Path.of(was.path("repo").asText());
        this.remote = was.path("remote").asText();
        this.branch = was.path("branch").asText();
        this.revert = git.commit(repo, branch, was.path("revert").asText());
        this.parent = git.commit(repo, branch, revert.parent());
        this.git = git;
    }

    @Override
    public String kind() {
        return GitChange.KIND;
    }

    @Override
    public String command() {
        return command;
    }

    @Override
    public String target() {
        return record.target();
    }

    @Override
    public String where() {
        return repo + " (" + branch + ")";
    }

    @Override
    public String summary() {
        return "drop the local revert " + revert.shortSha() + " from " + branch + ", never pushed: " + branch
                + " goes back to " + parent.quoted();
    }

    @Override
    public List<Block> preview() {
        return List.of(new Lines("steps", List.of("git reset --keep " + parent.shortSha() + "   (drops " + revert.quoted()
                + ", a local commit of " + record.id() + ")")));
    }

    @Override
    public List<Block> shown(JsonNode applied) {
        return List.of(new Lines("git", List.of("dropped " + revert.shortSha() + "; " + branch + " is at "
                + parent.shortSha() + " again (nothing was pushed)")));
    }

    @Override
    public List<String> notes() {
        return List.of("the revert was never pushed: " + remote + " and the service are not touched",
                "`rollback undo` after this reverts " + Commit.shortSha(record.after().path("commit").asText())
                        + " again, locally");
    }

    @Override
    public JsonNode before() {
        return record.after();
    }

    @Override
    public JsonNode asked() {
        ObjectNode asked = record.after().deepCopy();
        asked.remove("revert");
        return asked.put("dropped", revert.sha());
    }

    @Override
    public String from() {
        return revert.shortSha();
    }

    @Override
    public String to() {
        return parent.shortSha();
    }

    @Override
    public JsonNode apply(Duration limit, Progress progress) {
        String head = git.drop(repo, remote, branch, revert.sha());
        dropped = true;
        progress.done("dropped " + revert.shortSha() + " from " + branch);
        return ((ObjectNode) asked()).put("head", head);
    }

    /** Dropped or not, as HEAD says: a reset stopped midway (Ctrl-C) is read, not assumed. */
    @Override
    public Truth truth(Duration within) {
        if (dropped) {
            return new Truth(true, true, true, null, null, asked());
        }
        try {
            String head = git.commit(repo, branch, "HEAD").sha();
            return head.equals(revert.sha()) ? new Truth(true, false, false, null, null, before())
                    : head.equals(parent.sha()) ? new Truth(true, true, true, null, null, asked()) : Truth.unreadable();
        } catch (RuntimeException e) {
            return Truth.unreadable();
        }
    }
}

package dev.virtuoso.rollback.gitrevert;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.model.Commit;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.TrafficEntry;
import dev.virtuoso.rollback.model.TrafficPlanner;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.SourceControl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Method 3 of the written runbook: `git revert` a commit, push it, and wait for the deploy that
 * CI makes of the push — a new Ready revision serving as the service's traffic says. The journal
 * records the revert commit, so that undo reverts the revert. Never in flight: a re-run finds the
 * revert done (git says there is nothing left to revert).
 */
public final class GitChange implements Change<GitChange.GitState> {
    public static final String KIND = "git";

    /**
     * What a git record holds: the clone, its remote and branch, the commit reverted; once made, the
     * revert and whether it was pushed; once deployed, the revision CI made, the one serving and the
     * traffic (before: the traffic alone). A dropped revert ({@link GitDrop}) names it under
     * {@code dropped} instead, with the branch's new {@code head}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GitState(String repo, String remote, String branch, String commit, String revert, Boolean pushed,
                           String revision, String serving, List<TrafficEntry> traffic, String dropped, String head) {
        /** A step before {@code pushed} was recorded pushed its revert: the push was not optional then. */
        public boolean wasPushed() {
            return pushed == null || pushed;
        }

        Path repoPath() {
            return Path.of(repo);
        }

        GitState dropping(String sha) {
            return new GitState(repo, remote, branch, commit, null, pushed, revision, serving, traffic, sha, null);
        }

        GitState at(String newHead) {
            return new GitState(repo, remote, branch, commit, revert, pushed, revision, serving, traffic, dropped,
                    newHead);
        }
    }

    /** Where and what: the repository, its remote and branch, and how far to go. */
    public record Repo(Path repo, String remote, String branch, boolean push, boolean waitForDeploy,
                         boolean toLatest) {
    }

    private final String command;
    private final ServiceState service;
    private final List<Revision> revisions;
    private final Repo repo;
    private final Commit commit;
    private final SourceControl git;
    private final ServiceControl control;
    private String revert;
    private boolean pushed;

    public GitChange(String command, ServiceState service, List<Revision> revisions, Repo repo, Commit commit,
                     SourceControl git, ServiceControl control) {
        this.command = command;
        this.service = service;
        this.revisions = List.copyOf(revisions);
        this.repo = repo;
        this.commit = commit;
        this.git = git;
        this.control = control;
    }

    /**
     * Before an undo of {@code record}: its clone is ready and level with the remote after a fetch
     * ({@link SourceControl#checkReady}), which {@link #laterChange} and {@link #undo} rely on. True
     * when the undo drops the revert instead ({@link #drop}): it was made with --no-push and is still
     * not on the remote, and the clone is as the step left it (clean, HEAD exactly at the revert).
     */
    public static boolean checkReady(JournalRecord record, SourceControl git) {
        GitState asked = recorded(record);
        Path repo = asked.repoPath();
        String remote = asked.remote();
        String branch = asked.branch();
        if (asked.dropped() != null) {
            git.checkReady(repo, remote, branch); // the undo of a drop reverts the commit again
            return false;
        }
        String sha = asked.revert();
        if (sha == null) {
            throw RunbookException.invalid("journal record " + record.id() + " committed no revert to undo");
        }
        if (!asked.wasPushed() && !git.pushed(repo, remote, branch, sha)) {
            checkDrop(record, git, repo, remote, branch, sha);
            return true;
        }
        try {
            git.checkReady(repo, remote, branch);
        } catch (RunbookException e) {
            // A clone behind its remote is not ready; when the remote moved past the revert, that later
            // change is what to say (exit 5), not only that the clone needs a pull.
            if (e.exitCode() != ExitCode.INVALID_INPUT || !asked.wasPushed()) {
                throw e;
            }
            Commit head = git.remoteHead(repo, remote, branch);
            if (head.sha().equals(sha)) {
                throw e;
            }
            throw new RunbookException(ExitCode.CONFLICT, "refusing to undo " + record.id() + " (" + record.command()
                    + "): " + movedPast(branch, sha, head) + "; undo would overwrite that later change, so nothing was "
                    + "sent (bring " + repo + " level with `git pull`, then `rollback undo " + record.id() + " --force` "
                    + "undoes anyway)", e);
        }
        return false;
    }

    /**
     * The revert can be dropped now. Commits made on top of it would go with it, so that is a later
     * change even under --force: `git revert` keeps them.
     */
    private static void checkDrop(JournalRecord record, SourceControl git, Path repo, String remote, String branch,
                                  String sha) {
        try {
            git.checkDrop(repo, remote, branch, sha);
        } catch (RunbookException e) {
            boolean later = e.exitCode() == ExitCode.CONFLICT;
            if (!later && e.exitCode() != ExitCode.INVALID_INPUT) {
                throw e;
            }
            throw new RunbookException(e.exitCode(), "refusing to undo " + record.id() + " (" + record.command()
                    + "): its revert " + Commit.shortSha(sha) + " was never pushed, so undo drops it, but " + e.getMessage()
                    + "; nothing was changed" + (later ? " (`git -C " + repo + " revert " + Commit.shortSha(sha)
                    + "` reverts it and keeps them)" : ""), e);
        }
    }

    /** What {@code record} asked and left: exit 2 when it holds no clone to work in. */
    public static GitState recorded(JournalRecord record) {
        return JournalStates.read(record.after(), GitState.class)
                .filter(s -> s.repo() != null && s.remote() != null && s.branch() != null && s.commit() != null)
                .orElseThrow(() -> RunbookException.invalid("journal record " + record.id() + " holds no git "
                        + "repository to undo in; was the journal edited? Nothing was changed"));
    }

    /** Undo of {@code record}, after {@link #checkReady} said so: its revert, never pushed, dropped. */
    public static GitDrop drop(JournalRecord record, String command, SourceControl git) {
        return new GitDrop(command, record, git);
    }

    private static String movedPast(String branch, String revert, Commit head) {
        return branch + " moved past the revert " + Commit.shortSha(revert) + ": its head is now " + head.shortSha()
                + " \"" + head.subject() + "\" by " + head.author();
    }

    /**
     * Commits pushed after the revert: reverting the revert now would put the reverted commit back
     * on top of them (a fix made another way, say). Empty when the revert is still the branch head.
     */
    public static Optional<String> laterChange(JournalRecord record, SourceControl git) {
        GitState asked = recorded(record);
        String sha = asked.revert();
        if (!asked.wasPushed()) {
            return Optional.empty();
        }
        String branch = asked.branch();
        Commit head = git.commit(asked.repoPath(), branch, "HEAD");
        return head.sha().equals(sha) ? Optional.empty() : Optional.of(movedPast(branch, sha, head));
    }

    /**
     * Undo of {@code record} ({@code command}), after {@link #checkReady}: the revert it committed,
     * reverted in turn, pushed and deployed the same way.
     */
    public static GitChange undo(JournalRecord record, String command, ServiceState service, List<Revision> revisions,
                          SourceControl git, ServiceControl control) {
        GitState asked = recorded(record);
        // A drop's undo reverts again what the dropped revert reverted.
        String sha = asked.dropped() != null ? asked.commit() : asked.revert();
        Path repo = asked.repoPath();
        String branch = asked.branch();
        return new GitChange(command, service, revisions,
                new Repo(repo, asked.remote(), branch, asked.wasPushed(), true, false),
                git.commit(repo, branch, sha), git, control);
    }

    @Override
    public About about() {
        return About.of(KIND, command, service.ref().path(), service.ref() + " (" + repo.repo() + ", " + repo.remote()
                        + "/" + repo.branch() + ")", summary())
                .withNotes(notes())
                .withChange(commit.shortSha(), "revert of " + commit.shortSha())
                .withService(service())
                .withUpdatedService(updatedService());
    }

    @Override
    public Class<GitState> stateType() {
        return GitState.class;
    }

    /** CI deploys the revert; nothing here updates the service. */
    private Optional<ServiceState> updatedService() {
        return Optional.empty();
    }

    /**
     * The service, when this change waits for its deploy: a revert not pushed (or not waited for) has
     * nothing to check.
     */
    private Optional<ServiceState> service() {
        return repo.push() && repo.waitForDeploy() ? Optional.of(service) : Optional.empty();
    }

    private String summary() {
        return "revert " + commit.shortSha() + " \"" + commit.subject() + "\" on " + repo.branch()
                + (repo.push() ? ", push it to " + repo.remote() : " (not pushed)")
                + (repo.push() && repo.waitForDeploy() ? ", and wait for the revision CI deploys" : "");
    }

    @Override
    public List<Block> preview() {
        List<String> steps = new ArrayList<>();
        steps.add("git revert --no-edit " + (commit.merge() ? "-m 1 " : "") + commit.shortSha() + "   ("
                + commit.author() + ": " + commit.subject() + ")");
        if (repo.push()) {
            steps.add("git push " + repo.remote() + " " + repo.branch());
            if (repo.waitForDeploy()) {
                steps.add("wait for a new Ready revision of " + service.ref().name() + " created after the push"
                        + (repo.toLatest() ? ", then route 100% to it (LATEST)" : ""));
            }
        }
        return List.of(new Lines("steps", steps), new Traffic("traffic now", service.traffic(),
                service.latestReadyRevision()));
    }

    @Override
    public List<Block> shown(GitState applied) {
        List<String> lines = new ArrayList<>();
        lines.add("revert " + (applied.revert() == null ? "-" : applied.revert()) + (Boolean.TRUE.equals(applied.pushed())
                ? " pushed to " + repo.remote() + "/" + repo.branch() : " (local, not pushed)"));
        if (applied.revision() != null) {
            // Checks go to the service's URL: on a pinned service that is not the revision just deployed.
            String made = applied.revision();
            String serving = applied.serving() == null ? made : applied.serving();
            lines.add("deployed as " + made + (serving.equals(made) ? "" : "; the checks hit the service's URL, which "
                    + "serves " + serving + (service.servesLatest() ? "" : " (pinned)") + ", not " + made));
        }
        return List.of(new Lines("git", lines));
    }

    private List<String> notes() {
        List<String> notes = new ArrayList<>();
        boolean pinned = !service.servesLatest();
        if (pinned && repo.push() && !repo.toLatest()) {
            notes.add(service.ref().name() + " is pinned to " + service.servingRevision().orElse("a revision") + ": the "
                    + "revision CI deploys gets no traffic; add --to-latest to route to it once it is Ready");
        }
        if (!repo.push()) {
            notes.add("--no-push: push it yourself with `git -C " + repo.repo() + " push " + repo.remote() + " "
                    + repo.branch() + "`");
        }
        return notes;
    }

    @Override
    public GitState before() {
        return state(null, false, null, null, service.traffic());
    }

    @Override
    public GitState asked() {
        return state(null, false, null, null, null); // asked before anything is done: the revert is not made yet
    }

    @Override
    public GitState apply(Duration limit, Progress progress) {
        Set<String> known = new HashSet<>(revisions.stream().map(Revision::name).toList());
        Optional<String> made = git.revert(repo.repo(), commit);
        if (made.isEmpty()) {
            throw RunbookException.invalid(commit.shortSha() + " is reverted already on " + repo.branch()
                    + ": nothing to revert");
        }
        revert = made.get();
        if (!repo.push()) {
            return state(revert, false, null, null, null);
        }
        git.push(repo.repo(), repo.remote(), repo.branch());
        pushed = true;
        if (!repo.waitForDeploy()) {
            return state(revert, true, null, null, null);
        }
        ServiceState deployed = control.awaitDeploy(service.ref(), known, limit, progress);
        String revision = deployed.latestCreatedRevision();
        if (repo.toLatest()) {
            deployed = control.updateTraffic(deployed, TrafficPlanner.toLatest(deployed.traffic()), limit, progress);
        }
        return state(revert, true, revision, deployed.servingRevision().orElse(null), deployed.traffic());
    }

    /** What is true is what this run did: a revert made or not, pushed or not. */
    @Override
    public Truth<GitState> truth(Duration within) {
        if (revert == null) {
            return new Truth<>(true, false, false, null, null, asked());
        }
        return new Truth<>(true, pushed, false, null, pushed ? null : "the revert " + Commit.shortSha(revert) + " is a "
                + "commit in " + repo.repo() + ", not pushed", state(revert, pushed, null, null, null));
    }

    /** {@code wasPushed} is recorded with the revert, once there is one. */
    private GitState state(String revertSha, boolean wasPushed, String revision, String serving,
                           List<TrafficEntry> traffic) {
        return new GitState(repo.repo().toAbsolutePath().toString(), repo.remote(), repo.branch(), commit.sha(),
                revertSha, revertSha == null ? null : wasPushed, revision, serving, traffic, null, null);
    }
}

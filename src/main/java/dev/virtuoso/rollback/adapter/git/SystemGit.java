package dev.virtuoso.rollback.adapter.git;

import dev.virtuoso.rollback.model.Commit;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.SourceControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@link SourceControl} over the system {@code git}. Every name is checked before it is given to
 * git ({@link RefNames}), commits are handed on as full SHAs, and nothing here can lose work: no
 * reset --hard, no checkout, no force push; the only undos are of a failed revert this class started
 * on a clean tree ({@code git revert --abort}, or the {@code reset --merge} it runs), and the drop of
 * a revert that was never pushed, from a clean tree whose HEAD is exactly that commit.
 *
 * <p>The repository's structure (a work tree, the branch name, the remote) is checked once, by
 * {@link #checkReady}, which the callers run first; {@link #revert} re-checks only what can change
 * while the plan waits for a yes, against what {@code checkReady} saw: nothing half done, a clean
 * tree, HEAD still on the branch and the branch not moved.
 */
public final class SystemGit implements SourceControl {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    /** A commit's SHA, parents, author, subject and whole message, NUL between them. */
    private static final String FIELDS = "%H%x00%P%x00%an <%ae>%x00%s%x00%B";
    /**
     * What {@code git revert} writes in the message it makes: "This reverts commit SHA." (for a
     * merge: "This reverts commit SHA, reversing changes made to SHA2.").
     */
    private static final Pattern REVERTS = Pattern.compile("(?m)^This reverts commit ([0-9a-f]{64}|[0-9a-f]{40})\\b");
    /** Files in the git directory that say an operation is half done, and how to end each. */
    private static final Map<String, String> HALF_DONE = halfDone();

    private final Git git;
    /** Where this run keeps its incident records (null: nowhere), which may lie inside the repository. */
    private final Path incidentRoot;
    /** What {@link #checkReady} found, by repository: the branch and its commit, which revert expects. */
    private final Map<Path, Ready> ready = new ConcurrentHashMap<>();

    /** A checked repository: HEAD on {@code branch}, which is at {@code tip}. */
    private record Ready(String branch, String tip) {
    }

    /** Where HEAD is: its commit, and the branch ref it is on ("" when detached). */
    private record Head(String sha, String ref) {
        String where() {
            return ref.isEmpty() ? "detached" : "on " + ref.replaceFirst("^refs/heads/", "");
        }
    }

    /**
     * {@code trace} gets each git command line just before it starts, on the calling thread, e.g.
     * {@code git fetch --no-tags origin +refs/heads/main:refs/remotes/origin/main} (for
     * {@code --verbose}; {@code line -> { }} shows nothing).
     */
    public SystemGit(Duration timeout, Consumer<String> trace) {
        this(timeout, trace, Map.of());
    }

    /** {@code environment} is added to every git process's own (tests point GIT_CONFIG_GLOBAL away). */
    public SystemGit(Duration timeout, Consumer<String> trace, Map<String, String> environment) {
        this(timeout, trace, environment, null);
    }

    /**
     * {@code incidentRoot}: the folder of the incident records (by default incidents/ in the current
     * directory, so inside the repository when the tool runs from its clone). Files there that git
     * does not track are not changes to the work tree: the records of this run and earlier ones.
     */
    public SystemGit(Duration timeout, Consumer<String> trace, Map<String, String> environment, Path incidentRoot) {
        this.git = new Git(timeout, environment, trace);
        this.incidentRoot = incidentRoot;
    }

    @Override
    public void checkReady(Path repo, String remote, String branch) {
        RefNames.remote(remote);
        RefNames.branch(branch);
        requireWorkTree(repo);
        requireBranchName(repo, branch);
        requireRemote(repo, remote);
        requireNothingHalfDone(repo);
        requireClean(repo);
        Head head = requireOnBranch(repo, branch);
        requireIdentity(repo);
        fetch(repo, remote, branch);
        requireLevel(repo, remote, branch);
        ready.put(key(repo), new Ready(branch, head.sha()));
    }

    @Override
    public Commit commit(Path repo, String branch, String ref) {
        // The work tree and the branch name were checked by checkReady; these cost no git process.
        RefNames.commit(ref);
        RefNames.branch(branch);
        String sha = resolve(repo, ref);
        requireContains(repo, branch, sha);
        return describe(repo, sha);
    }

    @Override
    public Commit remoteHead(Path repo, String remote, String branch) {
        RefNames.remote(remote);
        RefNames.branch(branch);
        requireWorkTree(repo);
        requireRemote(repo, remote);
        fetch(repo, remote, branch);
        return describe(repo, resolve(repo, "refs/remotes/" + remote + "/" + branch));
    }

    /** The commit {@code ref} names. */
    private String resolve(Path repo, String ref) {
        // --end-of-options: whatever ref is, rev-parse reads it as a revision, never as an option.
        Git.Result resolved = git.run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}");
        if (!resolved.ok()) {
            throw GitErrors.invalid("'" + ref + "' is not a commit in " + shown(repo));
        }
        return resolved.out().strip();
    }

    private Commit describe(Path repo, String sha) {
        // --no-show-signature: log.showSignature=true would put gpg's output before the fields.
        return parse(repo, run(repo, ExitCode.INVALID_INPUT, "could not read commit " + sha, "show", "-s",
                "--no-show-signature", "--format=" + FIELDS, sha));
    }

    @Override
    public List<Commit> log(Path repo, String branch, int max) {
        RefNames.branch(branch);
        // One record per commit, ended by the record separator: a message may hold any other line.
        String out = run(repo, ExitCode.INVALID_INPUT, "could not read the history of " + branch + " in "
                + shown(repo), "log", "--first-parent", "--no-show-signature", "-n", String.valueOf(max),
                "--format=" + FIELDS + "%x1e", "refs/heads/" + branch, "--");
        return Arrays.stream(out.split("\u001e")).map(String::strip).filter(r -> !r.isEmpty())
                .map(r -> parse(repo, r)).toList();
    }

    /** A commit from the fields of {@link #FIELDS}, and what it reverts, checked. */
    private Commit parse(Path repo, String record) {
        String[] fields = record.strip().split("\0", 5);
        String[] parents = fields[1].strip().split(" ");
        String sha = fields[0];
        Matcher says = REVERTS.matcher(fields.length > 4 ? fields[4] : "");
        // A message can say anything: only a commit this one descends from was reverted by it.
        String reverts = says.find() && git.run(repo, "merge-base", "--is-ancestor", says.group(1), sha).ok()
                ? says.group(1) : null;
        return new Commit(sha, GitErrors.oneLine(fields[3]), GitErrors.oneLine(fields[2]), parents.length > 1,
                parents[0].isEmpty() ? null : parents[0], reverts);
    }

    @Override
    public Optional<String> revert(Path repo, Commit commit) {
        String sha = requireSha(commit.sha());
        Ready checked = ready.get(key(repo));
        if (checked == null) {
            throw new IllegalStateException("revert in " + shown(repo) + " before checkReady");
        }
        // What can change while the plan waits for a yes. An abort after a conflict returns to a
        // clean tree only if the tree was clean to begin with.
        requireNothingHalfDone(repo);
        requireClean(repo);
        String before = requireUnmoved(repo, checked);
        List<String> args = new ArrayList<>(List.of("revert", "--no-edit"));
        if (commit.merge()) {
            // A merge has no single diff to undo: -m 1 reverts it against the branch it was merged into.
            args.addAll(List.of("--mainline", "1"));
        }
        args.add(sha);
        Git.Result reverted = git.run(repo, args.toArray(String[]::new));
        if (reverted.ok()) {
            String made = revision(repo, "HEAD");
            ready.put(key(repo), new Ready(checked.branch(), made));
            return Optional.of(made);
        }
        return afterFailedRevert(repo, commit, before, reverted);
    }

    @Override
    public void push(Path repo, String remote, String branch) {
        // The work tree, the branch name and the remote were checked by checkReady; these cost no git process.
        RefNames.remote(remote);
        RefNames.branch(branch);
        String ref = "refs/heads/" + branch;
        Git.Result pushed;
        try {
            // Full ref names on both sides: a tag called like the branch cannot be pushed instead, and
            // push.default does not matter. --porcelain gives one parsable status line per ref.
            pushed = git.run(repo, "push", "--porcelain", remote, ref + ":" + ref);
        } catch (RunbookException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) {
                throw e;
            }
            throw GitErrors.remote(e.getMessage() + "; it may or may not have arrived: see git -C " + shown(repo)
                    + " fetch " + remote + "; " + kept(repo, remote, branch, false));
        }
        if (!pushed.ok()) {
            throw refused(repo, remote, branch, pushed);
        }
    }

    @Override
    public boolean pushed(Path repo, String remote, String branch, String sha) {
        RefNames.remote(remote);
        RefNames.branch(branch);
        requireSha(sha);
        requireWorkTree(repo);
        requireRemote(repo, remote);
        fetch(repo, remote, branch);
        return contains(repo, "refs/remotes/" + remote + "/" + branch, sha);
    }

    @Override
    public void checkDrop(Path repo, String remote, String branch, String sha) {
        RefNames.remote(remote);
        RefNames.branch(branch);
        requireSha(sha);
        requireWorkTree(repo);
        requireBranchName(repo, branch);
        requireRemote(repo, remote);
        requireNothingHalfDone(repo);
        requireClean(repo);
        requireAt(repo, requireOnBranch(repo, branch), branch, sha);
    }

    @Override
    public String drop(Path repo, String remote, String branch, String sha) {
        checkDrop(repo, remote, branch, sha);
        fetch(repo, remote, branch);
        if (contains(repo, "refs/remotes/" + remote + "/" + branch, sha)) {
            throw new RunbookException(ExitCode.CONFLICT, shortSha(sha) + " is on " + remote + "/" + branch + " now (pushed "
                    + "since it was checked): dropping it here would not take it off " + remote + ", so nothing was "
                    + "changed");
        }
        String parent = revision(repo, sha + "~1");
        // On the clean tree checked above, --keep does what --hard does; a file changed meanwhile
        // makes it refuse rather than lose that change.
        Git.Result reset = git.run(repo, "reset", "--keep", parent);
        if (!reset.ok()) {
            throw GitErrors.failed(ExitCode.INVALID_INPUT, "could not drop " + shortSha(sha) + " from " + branch + " in "
                    + shown(repo) + " (nothing was changed)", reset);
        }
        ready.remove(key(repo));
        return parent;
    }

    /**
     * HEAD is exactly {@code sha}: commits made after it would go with it, and a branch that no
     * longer holds it has nothing of it to drop.
     */
    private void requireAt(Path repo, Head head, String branch, String sha) {
        if (head.sha().equals(sha)) {
            return;
        }
        if (contains(repo, head.sha(), sha)) {
            Commit now = describe(repo, head.sha());
            throw new RunbookException(ExitCode.CONFLICT, branch + " in " + shown(repo) + " moved past " + shortSha(sha)
                    + ": its head is now " + now.quoted() + " by " + now.author());
        }
        throw GitErrors.invalid(shortSha(sha) + " is no longer on " + branch + " in " + shown(repo) + " (its head is "
                + shortSha(head.sha()) + "): there is nothing of it to drop");
    }

    /** Whether {@code ref} holds {@code sha} (is it or descends from it). */
    private boolean contains(Path repo, String ref, String sha) {
        Git.Result ancestor = git.run(repo, "merge-base", "--is-ancestor", sha, ref);
        if (ancestor.exit() > 1) {
            throw GitErrors.failed(ExitCode.INVALID_INPUT, "could not tell whether " + ref + " holds " + shortSha(sha)
                    + " in " + shown(repo), ancestor);
        }
        return ancestor.ok();
    }

    private Optional<String> afterFailedRevert(Path repo, Commit commit, String before, Git.Result reverted) {
        List<String> conflicts = unmerged(repo);
        boolean empty = conflicts.isEmpty() && reverted.out().contains("nothing to commit");
        restore(repo, commit, before);
        if (!conflicts.isEmpty()) {
            throw GitErrors.invalid("reverting " + commit.shortSha() + " conflicts with later changes to "
                    + sample(conflicts) + ": aborted, " + shown(repo) + " is as it was; revert it by hand (git revert "
                    + commit.shortSha() + ") or choose another commit");
        }
        if (empty) {
            return Optional.empty();
        }
        throw GitErrors.failed(ExitCode.INVALID_INPUT, "could not revert " + commit.shortSha() + " in " + shown(repo)
                + " (nothing was changed)", reverted);
    }

    /**
     * Back to {@code before}, which was clean, so every change undone here is the failed revert's.
     * If git cannot get there the promise "nothing changed" is broken: say so.
     */
    private void restore(Path repo, Commit commit, String before) {
        Git.Result undone = new Git.Result(0, "", "");
        if (halfDone(repo).anyMatch("REVERT_HEAD"::equals)) {
            undone = git.run(repo, "revert", "--abort");
        } else if (!dirt(repo).isEmpty()) {
            // A failing prepare-commit-msg hook stops the revert after it staged its changes but
            // without REVERT_HEAD, so there is nothing to --abort. reset --merge is what --abort
            // runs: it puts back what differs from HEAD and refuses to touch a change it did not stage.
            undone = git.run(repo, "reset", "--merge", "HEAD");
        }
        // A failed or empty revert leaves MERGE_MSG behind, which the next git commit would offer
        // as its message; --quit removes it and touches nothing else.
        Git.Result quit = git.run(repo, "revert", "--quit");
        if (!undone.ok() || !quit.ok() || !revision(repo, "HEAD").equals(before) || !dirt(repo).isEmpty()) {
            throw GitErrors.failed(ExitCode.INTERNAL, "reverting " + commit.shortSha() + " failed and " + shown(repo)
                    + " could not be put back as it was, look at git status there", undone.ok() ? quit : undone);
        }
    }

    private RunbookException refused(Path repo, String remote, String branch, Git.Result pushed) {
        String status = Arrays.stream(pushed.out().split("\n")).filter(l -> l.startsWith("!\t")).findFirst()
                .map(l -> l.substring(l.lastIndexOf('\t') + 1)).orElse("");
        String refused = remote + " refused the push of " + branch + ": ";
        boolean behind = status.startsWith("[rejected]");
        String why;
        if (behind) {
            why = refused + remote + "/" + branch + " has commits this clone lacks (someone pushed meanwhile)";
        } else if (status.startsWith("[remote rejected]")) {
            String said = GitErrors.remoteSaid(pushed.err());
            why = refused + status.substring("[remote rejected]".length()).strip().replaceAll("^\\((.*)\\)$", "$1")
                    + (said.isEmpty() ? "" : ": " + said);
        } else {
            // No status line: git never got as far as the ref (unreachable, authentication, permission).
            why = "could not push " + branch + " to " + remote + ": " + GitErrors.reason(pushed.err());
        }
        return GitErrors.remote(why + "; " + kept(repo, remote, branch, behind));
    }

    /** What stays, and the command that finishes the job later; the branch is read only on this path. */
    private String kept(Path repo, String remote, String branch, boolean pullFirst) {
        String in = "git -C " + shown(repo) + " ";
        Git.Result local = git.run(repo, "rev-parse", "--verify", "--end-of-options", "refs/heads/" + branch + "^{commit}");
        return "the local " + branch + " is kept" + (local.ok() ? " at " + local.out().strip() : "")
                + ", to push it later: "
                + (pullFirst ? in + "pull --rebase " + remote + " " + branch + " && " : "")
                + in + "push " + remote + " " + branch;
    }

    private void requireWorkTree(Path repo) {
        if (!Files.isDirectory(repo)) {
            throw GitErrors.invalid(shown(repo) + " is not a directory: pass --repo with a clone of the service's "
                    + "repository");
        }
        Git.Result inside = git.run(repo, "rev-parse", "--is-inside-work-tree");
        if (!inside.ok()) {
            throw GitErrors.invalid(shown(repo) + " is not a git work tree (" + GitErrors.reason(inside.err())
                    + "): pass --repo with a clone of the service's repository");
        }
        if (!inside.out().strip().equals("true")) {
            throw GitErrors.invalid(shown(repo) + " has no work tree (a bare repository?): pass --repo with a clone "
                    + "of the service's repository");
        }
    }

    private void requireBranchName(Path repo, String branch) {
        Git.Result checked = git.run(repo, "check-ref-format", "--branch", branch);
        if (!checked.ok() || !checked.out().strip().equals(branch)) {
            throw GitErrors.invalid("'" + branch + "' is not a valid branch name");
        }
    }

    /** Only a configured remote: a URL (or ext::cmd) where a name is expected never reaches fetch or push. */
    private void requireRemote(Path repo, String remote) {
        List<String> remotes = run(repo, ExitCode.INVALID_INPUT, "could not list the remotes of " + shown(repo),
                "remote").lines().toList();
        if (!remotes.contains(remote)) {
            throw GitErrors.invalid("no remote named '" + remote + "' in " + shown(repo)
                    + (remotes.isEmpty() ? "" : " (it has " + String.join(", ", remotes) + ")"));
        }
    }

    private void requireNothingHalfDone(Path repo) {
        halfDone(repo).findFirst().ifPresent(name -> {
            throw GitErrors.invalid(HALF_DONE.get(name).replace("%s", shown(repo)));
        });
    }

    /** The names of {@link #HALF_DONE} whose files exist, read with one git call. */
    private Stream<String> halfDone(Path repo) {
        List<String> names = List.copyOf(HALF_DONE.keySet());
        List<String> args = new ArrayList<>(List.of("rev-parse"));
        names.forEach(name -> args.addAll(List.of("--git-path", name)));
        List<String> paths = run(repo, ExitCode.INVALID_INPUT, "could not read the state of " + shown(repo),
                args.toArray(String[]::new)).lines().toList();
        // --git-path answers relative to the directory git ran in, which is repo.
        return IntStream.range(0, Math.min(names.size(), paths.size()))
                .filter(i -> Files.exists(repo.resolve(paths.get(i)))).mapToObj(names::get);
    }

    private void requireClean(Path repo) {
        List<String> dirt = dirt(repo);
        if (!dirt.isEmpty()) {
            throw GitErrors.invalid("the work tree " + shown(repo) + " has uncommitted changes (" + sample(dirt)
                    + "): commit them or stash them (git stash --include-untracked), then retry");
        }
    }

    /**
     * The revert is a commit, and git stops one whose author it cannot name only after it has
     * staged the revert; asked here, "who are you" is a plain input error before anything is touched.
     */
    private void requireIdentity(Path repo) {
        Git.Result ident = git.run(repo, "var", "GIT_COMMITTER_IDENT");
        if (!ident.ok() || !git.run(repo, "var", "GIT_AUTHOR_IDENT").ok()) {
            throw GitErrors.invalid("git does not know who you are in " + shown(repo) + ", so it cannot commit the "
                    + "revert: git -C " + shown(repo) + " config user.name \"Your Name\" and user.email, then retry");
        }
    }

    private Head requireOnBranch(Path repo, String branch) {
        Head head = head(repo);
        if (!head.ref().equals("refs/heads/" + branch)) {
            throw GitErrors.invalid("HEAD in " + shown(repo) + " is " + head.where() + ", not on " + branch
                    + ": git switch " + branch + ", then retry");
        }
        return head;
    }

    /**
     * HEAD is where checkReady left it: on the branch, at the commit the plan was made from. A
     * branch switched or committed to meanwhile would get a revert (and a push) nobody was shown.
     * Returns that commit.
     */
    private String requireUnmoved(Path repo, Ready checked) {
        Head head = head(repo);
        if (!head.ref().equals("refs/heads/" + checked.branch())) {
            throw GitErrors.invalid("HEAD in " + shown(repo) + " is now " + head.where() + ", not on "
                    + checked.branch() + " as when it was checked: nothing was reverted; git switch "
                    + checked.branch() + ", then retry");
        }
        if (!head.sha().equals(checked.tip())) {
            throw GitErrors.invalid(checked.branch() + " in " + shown(repo) + " moved from " + shortSha(checked.tip())
                    + " to " + shortSha(head.sha()) + " since it was checked: nothing was reverted; retry, so that "
                    + "the plan is made from where it is now");
        }
        return head.sha();
    }

    private void requireContains(Path repo, String branch, String sha) {
        Git.Result ancestor = git.run(repo, "merge-base", "--is-ancestor", sha, "refs/heads/" + branch);
        if (ancestor.exit() == 1) {
            throw GitErrors.invalid("commit " + sha.substring(0, 7) + " is not on " + branch + " in " + shown(repo)
                    + ": there is nothing of it to revert");
        }
        if (!ancestor.ok()) {
            throw GitErrors.failed(ExitCode.INVALID_INPUT, "no branch " + branch + " in " + shown(repo), ancestor);
        }
    }

    /** Updates only remote/branch (not the work tree), whatever remote.NAME.fetch says, and no tags. */
    private void fetch(Path repo, String remote, String branch) {
        Git.Result fetched = git.run(repo, "fetch", "--no-tags", remote,
                "+refs/heads/" + branch + ":refs/remotes/" + remote + "/" + branch);
        if (fetched.ok()) {
            return;
        }
        if (fetched.err().contains("couldn't find remote ref")) {
            throw GitErrors.invalid(remote + " has no branch " + branch + ": check --remote and --branch");
        }
        throw GitErrors.failed(ExitCode.API_FAILURE, "could not fetch " + branch + " from " + remote, fetched);
    }

    private void requireLevel(Path repo, String remote, String branch) {
        String tracking = remote + "/" + branch;
        String[] counts = run(repo, ExitCode.INVALID_INPUT, "could not compare " + branch + " with " + tracking,
                "rev-list", "--left-right", "--count", "refs/heads/" + branch + "...refs/remotes/" + tracking)
                .strip().split("\\s+");
        int ahead = Integer.parseInt(counts[0]);
        int behind = Integer.parseInt(counts[1]);
        if (ahead > 0 && behind > 0) {
            throw GitErrors.invalid(branch + " and " + tracking + " have diverged (" + commits(ahead) + " only here, "
                    + commits(behind) + " only on " + remote + "): reconcile them (git pull --rebase " + remote + " "
                    + branch + "), push, then retry");
        }
        if (behind > 0) {
            throw GitErrors.invalid(branch + " is " + commits(behind) + " behind " + tracking + ": git pull --ff-only "
                    + remote + " " + branch + ", then retry");
        }
        if (ahead > 0) {
            throw GitErrors.invalid(branch + " is " + commits(ahead) + " ahead of " + tracking + " (not pushed): "
                    + "push or move them first, so that the rollback pushes only its revert");
        }
    }

    /**
     * HEAD's commit and its full ref, in one git call. The full ref: symbolic-ref --short would say
     * "heads/main" if a tag is also called main.
     */
    private Head head(Path repo) {
        Git.Result head = git.run(repo, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD");
        List<String> lines = head.out().lines().toList();
        if (!head.ok() || lines.size() != 2) {
            throw GitErrors.failed(ExitCode.INVALID_INPUT, "could not read HEAD in " + shown(repo) + " (a repository "
                    + "without commits has nothing to revert)", head);
        }
        return new Head(lines.get(0).strip(), lines.get(1).strip().equals("HEAD") ? "" : lines.get(1).strip());
    }

    private String revision(Path repo, String ref) {
        return run(repo, ExitCode.INVALID_INPUT, "could not read " + ref + " in " + shown(repo), "rev-parse", "--verify",
                "--end-of-options", ref + "^{commit}").strip();
    }

    /**
     * Staged, unstaged and untracked-but-not-ignored paths, except untracked ones in the incident
     * records' folder. A tracked file there that changed still counts: the revert commit or the
     * reset after a failed one would carry or discard it with the rest.
     */
    private List<String> dirt(Path repo) {
        List<String> paths = new ArrayList<>();
        List<String> untracked = new ArrayList<>();
        // --untracked-files=normal: status.showUntrackedFiles=no would otherwise hide new files.
        status(repo, "normal", List.of()).forEach(entry -> (entry.startsWith("??") ? untracked : paths)
                .add(entry.substring(3)));
        paths.addAll(outsideIncidentRecords(repo, untracked));
        return paths;
    }

    /** The entries of git status ("XY path"), without the source path that follows a rename or copy. */
    private List<String> status(Path repo, String untracked, List<String> pathspec) {
        List<String> args = new ArrayList<>(List.of("status", "--porcelain=v1", "-z", "--untracked-files=" + untracked));
        if (!pathspec.isEmpty()) {
            args.add("--");
            args.addAll(pathspec);
        }
        String status = run(repo, ExitCode.INVALID_INPUT, "could not read the status of " + shown(repo),
                args.toArray(String[]::new));
        List<String> entries = new ArrayList<>();
        String[] all = status.split("\0");
        for (int i = 0; i < all.length; i++) {
            if (all[i].length() > 3) {
                entries.add(all[i]);
                // A rename or copy is followed by its source path, in an entry of its own.
                if (all[i].charAt(0) == 'R' || all[i].charAt(0) == 'C') {
                    i++;
                }
            }
        }
        return entries;
    }

    /** An incident record's folder as git status shows it untracked: its journal id, then a slash. */
    private static final java.util.regex.Pattern RECORD_FOLDER =
            java.util.regex.Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{4}/");

    /**
     * The untracked {@code paths} (relative to the top of the work tree, as git status gives them)
     * that are not in the incident records' folder. Git shows a folder nothing of which is tracked
     * as one entry ("incidents/"); one that holds the records' folder and maybe more is looked into.
     */
    private List<String> outsideIncidentRecords(Path repo, List<String> paths) {
        if (incidentRoot == null || paths.isEmpty()) {
            return paths;
        }
        Path top = real(Path.of(run(repo, ExitCode.INVALID_INPUT, "could not find the top of " + shown(repo),
                "rev-parse", "--show-toplevel").strip()));
        Path root = real(incidentRoot);
        if (top.startsWith(root)) {
            // Records kept at the top of the clone (--incident-dir .) or above it: every untracked file
            // would be "in the records' folder", and a real leftover would go unnoticed. Only the
            // records' own folders, named by their journal ids, are passed over.
            return top.equals(root) ? paths.stream().filter(p -> !RECORD_FOLDER.matcher(p).matches()).toList() : paths;
        }
        List<String> outside = new ArrayList<>();
        for (String path : paths) {
            Path at = top.resolve(path).normalize();
            if (at.startsWith(root)) {
                continue;
            }
            if (path.endsWith("/") && root.startsWith(at)) {
                status(repo, "all", List.of(":(top,literal)" + path)).stream().filter(e -> e.startsWith("??"))
                        .map(e -> e.substring(3)).filter(p -> !top.resolve(p).normalize().startsWith(root))
                        .forEach(outside::add);
            } else {
                outside.add(path);
            }
        }
        return outside;
    }

    /** {@code path} absolute, its links resolved as far as it exists, so it compares with what git prints. */
    private static Path real(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }

    private List<String> unmerged(Path repo) {
        String out = run(repo, ExitCode.INVALID_INPUT, "could not list the conflicts in " + shown(repo), "diff",
                "--name-only", "-z", "--diff-filter=U");
        return Arrays.stream(out.split("\0")).filter(p -> !p.isEmpty()).distinct().toList();
    }

    /** Runs git for its output; failing is {@code code} with git's reason. */
    private String run(Path repo, ExitCode code, String what, String... args) {
        Git.Result result = git.run(repo, args);
        if (!result.ok()) {
            throw GitErrors.failed(code, what, result);
        }
        return result.out();
    }

    private static String requireSha(String sha) {
        if (sha == null || !SHA.matcher(sha).matches()) {
            throw GitErrors.invalid("'" + sha + "' is not a full commit SHA");
        }
        return sha;
    }

    private static Path key(Path repo) {
        return repo.toAbsolutePath().normalize();
    }

    private static String shortSha(String sha) {
        return sha.substring(0, Math.min(7, sha.length()));
    }

    private static String shown(Path repo) {
        String path = repo.toAbsolutePath().normalize().toString();
        // Quoted only when needed, so that the commands in messages can be pasted.
        return path.matches("[A-Za-z0-9_./:=@+-]+") ? path : "'" + path.replace("'", "'\\''") + "'";
    }

    private static String sample(List<String> paths) {
        return paths.size() <= 3 ? String.join(", ", paths)
                : String.join(", ", paths.subList(0, 3)) + " and " + (paths.size() - 3) + " more";
    }

    private static String commits(int n) {
        return n + (n == 1 ? " commit" : " commits");
    }

    private static Map<String, String> halfDone() {
        Map<String, String> states = new LinkedHashMap<>();
        states.put("MERGE_HEAD", "a merge is in progress in %s: finish it, or git merge --abort, then retry");
        states.put("CHERRY_PICK_HEAD", "a cherry-pick is in progress in %s: finish it, or git cherry-pick --abort, "
                + "then retry");
        states.put("REVERT_HEAD", "a revert is in progress in %s: finish it, or git revert --abort, then retry");
        states.put("sequencer", "a cherry-pick or revert of several commits is in progress in %s: finish it, or git "
                + "cherry-pick --quit, then retry");
        states.put("rebase-merge", "a rebase is in progress in %s: finish it, or git rebase --abort, then retry");
        states.put("rebase-apply", "a rebase or git am is in progress in %s: finish it, or abort it, then retry");
        return Collections.unmodifiableMap(states);
    }
}

package dev.virtuoso.rollback.adapter.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.model.Commit;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The adapter against real git: a bare repository as the remote and clones of it, all in a
 * temporary directory. No git process here reads the user's or the system's git config.
 */
class SystemGitTest {
    @TempDir
    Path dir;

    private final List<String> ran = new ArrayList<>();
    private Map<String, String> environment;
    private Git shell;
    private SystemGit git;
    private Path remote;
    private Path clone;
    private String repo;

    @BeforeEach
    void setUp() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        environment = Map.of("GIT_CONFIG_GLOBAL", "/dev/null", "GIT_CONFIG_NOSYSTEM", "1", "HOME", home.toString(),
                "XDG_CONFIG_HOME", home.toString(), "no_proxy", "*", "NO_PROXY", "*");
        shell = new Git(Duration.ofSeconds(30), environment, line -> { });
        git = new SystemGit(Duration.ofSeconds(30), ran::add, environment);
        remote = dir.resolve("remote.git");
        run(dir, "init", "-q", "--bare", "-b", "main", remote.toString());
        clone = cloneOf("clone");
        repo = clone.toString();
        commitFile(clone, "app.txt", "v1\n", "first");
        run(clone, "push", "-q", "origin", "main");
    }

    @Test
    void revertsAndPushesSoTheRemoteHasTheOldContentAgain() throws Exception {
        commitFile(clone, "app.txt", "v2 broken\n", "break it");
        run(clone, "push", "-q", "origin", "main");

        git.checkReady(clone, "origin", "main");
        Commit broken = git.commit(clone, "main", "HEAD");
        String revert = git.revert(clone, broken).orElseThrow();
        git.push(clone, "origin", "main");

        assertThat(broken).isEqualTo(new Commit(run(clone, "rev-parse", "HEAD~1"), "break it", "Dev <dev@example.com>",
                false, run(clone, "rev-parse", "HEAD~2"), null));
        assertThat(run(remote, "rev-parse", "main")).isEqualTo(revert);
        assertThat(run(remote, "show", "main:app.txt")).isEqualTo("v1");
        assertThat(run(remote, "log", "-1", "--format=%s", "main")).isEqualTo("Revert \"break it\"");
        assertThat(status(clone)).isEmpty();
    }

    @Test
    void aRunChecksTheRepositoryOnceAndAtTheRevertOnlyWhatCanChangeAtThePrompt() {
        commitFile(clone, "app.txt", "v2 broken\n", "break it");
        run(clone, "push", "-q", "origin", "main");

        git.checkReady(clone, "origin", "main");
        int ready = ran.size();
        Commit broken = git.commit(clone, "main", "HEAD");
        int commit = ran.size() - ready;
        git.revert(clone, broken).orElseThrow();
        int revert = ran.size() - ready - commit;
        git.push(clone, "origin", "main");
        int push = ran.size() - ready - commit - revert;

        assertThat(List.of(ready, commit, revert, push)).containsExactly(10, 3, 5, 1);
        for (String once : List.of("git rev-parse --is-inside-work-tree", "git check-ref-format --branch main",
                "git remote")) {
            assertThat(ran).filteredOn(once::equals).hasSize(1);
        }
    }

    @Test
    void aBranchSwitchedWhileThePlanWaitedGetsNoRevert() throws Exception {
        commitFile(clone, "app.txt", "v2 broken\n", "break it");
        run(clone, "push", "-q", "origin", "main");
        git.checkReady(clone, "origin", "main");
        Commit broken = git.commit(clone, "main", "HEAD");
        String head = run(clone, "rev-parse", "HEAD");

        run(clone, "switch", "-q", "-c", "hotfix");
        assertFails(() -> git.revert(clone, broken), ExitCode.INVALID_INPUT, "HEAD in " + repo + " is now on hotfix, "
                + "not on main as when it was checked: nothing was reverted; git switch main, then retry");
        run(clone, "switch", "-q", "--detach", "main");
        assertFails(() -> git.revert(clone, broken), ExitCode.INVALID_INPUT, "HEAD in " + repo + " is now detached, "
                + "not on main as when it was checked: nothing was reverted; git switch main, then retry");

        assertThat(run(clone, "rev-parse", "hotfix")).isEqualTo(head);
        assertThat(run(clone, "rev-parse", "main")).isEqualTo(head);
    }

    @Test
    void aBranchCommittedToWhileThePlanWaitedGetsNoRevert() throws Exception {
        commitFile(clone, "app.txt", "v2 broken\n", "break it");
        run(clone, "push", "-q", "origin", "main");
        git.checkReady(clone, "origin", "main");
        Commit broken = git.commit(clone, "main", "HEAD");
        String checked = run(clone, "rev-parse", "HEAD");
        commitFile(clone, "other.txt", "meanwhile\n", "meanwhile");
        String meanwhile = run(clone, "rev-parse", "HEAD");

        assertFails(() -> git.revert(clone, broken), ExitCode.INVALID_INPUT, "main in " + repo + " moved from "
                + checked.substring(0, 7) + " to " + meanwhile.substring(0, 7) + " since it was checked: nothing was "
                + "reverted; retry, so that the plan is made from where it is now");
        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(meanwhile);
    }

    @Test
    void aRevertWithoutCheckReadyFirstIsABug() {
        Commit first = git.commit(clone, "main", "HEAD");

        assertThatThrownBy(() -> git.revert(clone, first)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aMergeCommitIsRevertedAgainstItsFirstParent() throws Exception {
        run(clone, "switch", "-q", "-c", "feature");
        commitFile(clone, "feature.txt", "new\n", "add a feature");
        run(clone, "switch", "-q", "main");
        commitFile(clone, "app.txt", "v2\n", "meanwhile on main");
        run(clone, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature");
        run(clone, "push", "-q", "origin", "main");

        git.checkReady(clone, "origin", "main");
        Commit merge = git.commit(clone, "main", "HEAD");
        git.revert(clone, merge).orElseThrow();
        git.push(clone, "origin", "main");

        assertThat(merge.merge()).isTrue();
        assertThat(run(remote, "rev-parse", "main^{tree}")).isEqualTo(run(remote, "rev-parse", "main~1^1^{tree}"));
        assertThat(Files.exists(clone.resolve("feature.txt"))).isFalse();
        assertThat(Files.readString(clone.resolve("app.txt"))).isEqualTo("v2\n");
    }

    @Test
    void aConflictingRevertIsAbortedAndLeavesTheTreeAndHeadAsTheyWere() throws Exception {
        commitFile(clone, "app.txt", "v2\n", "change A");
        commitFile(clone, "app.txt", "v3\n", "change B");
        run(clone, "push", "-q", "origin", "main");
        git.checkReady(clone, "origin", "main");
        Commit a = git.commit(clone, "main", "HEAD~1");
        String head = run(clone, "rev-parse", "HEAD");

        assertFails(() -> git.revert(clone, a), ExitCode.INVALID_INPUT, "reverting " + a.shortSha() + " conflicts with "
                + "later changes to app.txt: aborted, " + repo + " is as it was; revert it by hand (git revert "
                + a.shortSha() + ") or choose another commit");

        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(head);
        assertThat(status(clone)).isEmpty();
        assertThat(Files.readString(clone.resolve("app.txt"))).isEqualTo("v3\n");
        assertThat(shell.run(clone, "rev-parse", "--verify", "--quiet", "REVERT_HEAD").ok()).isFalse();
        assertThat(clone.resolve(".git/MERGE_MSG")).doesNotExist();
    }

    @Test
    void aRevertStoppedByAHookIsUndoneThoughGitLeavesNothingToAbort() throws Exception {
        Path hook = clone.resolve(".git/hooks/prepare-commit-msg");
        Files.writeString(hook, "#!/bin/sh\necho 'no reverts on Fridays' >&2\nexit 1\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        git.checkReady(clone, "origin", "main");
        Commit first = git.commit(clone, "main", "HEAD");
        String head = run(clone, "rev-parse", "HEAD");

        assertFails(() -> git.revert(clone, first), ExitCode.INVALID_INPUT, "could not revert " + first.shortSha()
                + " in " + repo + " (nothing was changed): 'prepare-commit-msg' hook failed");

        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(head);
        assertThat(status(clone)).isEmpty();
        assertThat(Files.readString(clone.resolve("app.txt"))).isEqualTo("v1\n");
        assertThat(clone.resolve(".git/MERGE_MSG")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"staged", "unstaged", "untracked"})
    void aDirtyTreeIsRefused(String kind) throws Exception {
        Files.writeString(clone.resolve(kind.equals("unstaged") ? "app.txt" : "new.txt"), "edit\n");
        if (kind.equals("staged")) {
            run(clone, "add", "new.txt");
        }
        String file = kind.equals("unstaged") ? "app.txt" : "new.txt";

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT, "the work tree " + repo
                + " has uncommitted changes (" + file + "): commit them or stash them (git stash --include-untracked), "
                + "then retry");
    }

    @Test
    void ignoredFilesDoNotMakeTheTreeDirty() throws Exception {
        commitFile(clone, ".gitignore", "build/\n", "ignore build");
        run(clone, "push", "-q", "origin", "main");
        Files.createDirectories(clone.resolve("build"));
        Files.writeString(clone.resolve("build/out.bin"), "x");

        git.checkReady(clone, "origin", "main");
    }

    @Test
    void anotherBranchIsRefused() {
        run(clone, "switch", "-q", "-c", "feature");

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT, "HEAD in " + repo
                + " is on feature, not on main: git switch main, then retry");
    }

    @Test
    void aCloneWhoseGitDoesNotKnowWhoYouAreIsRefusedBeforeTheRevertIsStaged() {
        run(clone, "config", "--unset", "user.name");
        run(clone, "config", "--unset", "user.email");
        // Without it git guesses an address from the host name, which works on some machines only.
        run(clone, "config", "user.useConfigOnly", "true");

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT, "git does not know who you "
                + "are in " + repo + ", so it cannot commit the revert: git -C " + repo + " config user.name \"Your "
                + "Name\" and user.email, then retry");
    }

    @Test
    void aDetachedHeadIsRefused() {
        run(clone, "switch", "-q", "--detach", "HEAD");

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT, "HEAD in " + repo
                + " is detached, not on main: git switch main, then retry");
    }

    @Test
    void aBranchBehindTheRemoteIsRefusedAndLeftWhereItWas() throws Exception {
        pushFromElsewhere(2);
        String head = run(clone, "rev-parse", "HEAD");

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT,
                "main is 2 commits behind origin/main: git pull --ff-only origin main, then retry");
        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(head);
    }

    @Test
    void aBranchThatDivergedFromTheRemoteIsRefused() throws Exception {
        commitFile(clone, "local.txt", "mine\n", "local work");
        pushFromElsewhere(2);

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT,
                "main and origin/main have diverged (1 commit only here, 2 commits only on origin): reconcile them "
                        + "(git pull --rebase origin main), push, then retry");
    }

    @Test
    void unpushedCommitsAreRefusedSoOnlyTheRevertGoesOut() throws Exception {
        commitFile(clone, "local.txt", "mine\n", "local work");

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT,
                "main is 1 commit ahead of origin/main (not pushed): push or move them first, so that the rollback "
                        + "pushes only its revert");
    }

    @Test
    void aPushAfterSomeoneElsePushedIsRejectedAndTheRevertIsKept() throws Exception {
        commitFile(clone, "app.txt", "v2 broken\n", "break it");
        run(clone, "push", "-q", "origin", "main");
        git.checkReady(clone, "origin", "main");
        String revert = git.revert(clone, git.commit(clone, "main", "HEAD")).orElseThrow();
        pushFromElsewhere(1);
        String theirs = run(remote, "rev-parse", "main");

        assertFails(() -> git.push(clone, "origin", "main"), ExitCode.API_FAILURE, "origin refused the push of main: "
                + "origin/main has commits this clone lacks (someone pushed meanwhile); the local main is kept at "
                + revert + ", to push it later: git -C " + repo + " pull --rebase origin main && git -C " + repo
                + " push origin main");
        assertThat(run(clone, "rev-parse", "main")).isEqualTo(revert);
        assertThat(run(remote, "rev-parse", "main")).isEqualTo(theirs);
    }

    @Test
    void aPushRefusedByAHookSaysWhatTheHookSaidAndKeepsTheRevert() throws Exception {
        String before = run(remote, "rev-parse", "main");
        hook("echo 'pushes to main are frozen until 18:00' >&2\nexit 1");
        git.checkReady(clone, "origin", "main");
        String revert = git.revert(clone, git.commit(clone, "main", "HEAD")).orElseThrow();

        assertFails(() -> git.push(clone, "origin", "main"), ExitCode.API_FAILURE, "origin refused the push of main: "
                + "pre-receive hook declined: pushes to main are frozen until 18:00; the local main is kept at "
                + revert + ", to push it later: git -C " + repo + " push origin main");
        assertThat(run(clone, "rev-parse", "main")).isEqualTo(revert);
        assertThat(run(remote, "rev-parse", "main")).isEqualTo(before);
    }

    @Test
    void aPushThatCannotReachTheRemoteKeepsTheRevertAndShowsNoCredentials() {
        git.checkReady(clone, "origin", "main");
        String revert = git.revert(clone, git.commit(clone, "main", "HEAD")).orElseThrow();
        run(clone, "remote", "set-url", "--push", "origin", "https://deploy:s3cret@127.0.0.1:9/api.git");

        assertFails(() -> git.push(clone, "origin", "main"), ExitCode.API_FAILURE).hasMessageStartingWith("could not push main to origin: unable to access 'https://")
                .hasMessageEndingWith("; the local main is kept at " + revert + ", to push it later: git -C " + repo
                        + " push origin main")
                .hasMessageNotContaining("s3cret");
        assertThat(run(clone, "rev-parse", "main")).isEqualTo(revert);
    }

    @Test
    void aPushThatHangsIsStoppedAtTheTimeout() throws Exception {
        hook("sleep 30");
        git.checkReady(clone, "origin", "main");
        String revert = git.revert(clone, git.commit(clone, "main", "HEAD")).orElseThrow();
        SystemGit impatient = new SystemGit(Duration.ofSeconds(1), line -> { }, environment);
        long start = System.nanoTime();

        assertFails(() -> impatient.push(clone, "origin", "main"), ExitCode.API_FAILURE, "git push did not finish "
                + "within 1s and was stopped; it may or may not have arrived: see git -C " + repo + " fetch origin; "
                + "the local main is kept at " + revert + ", to push it later: git -C " + repo + " push origin main");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void namesThatLookLikeOptionsAreRefusedBeforeGitRuns() {
        Path marker = dir.resolve("marker");
        String option = "--upload-pack=touch " + marker;

        assertFails(() -> git.checkReady(clone, option, "main"), ExitCode.INVALID_INPUT, "'" + option
                + "' is not a remote name: it starts with '-', which git would read as an option");
        assertFails(() -> git.checkReady(clone, "origin", option), ExitCode.INVALID_INPUT, "'" + option
                + "' is not a valid branch name: it starts with '-', which git would read as an option");
        assertFails(() -> git.commit(clone, "main", option), ExitCode.INVALID_INPUT, "'" + option
                + "' is not a commit: it starts with '-', which git would read as an option");
        assertFails(() -> git.push(clone, option, "main"), ExitCode.INVALID_INPUT, "'" + option
                + "' is not a remote name: it starts with '-', which git would read as an option");
        assertThat(ran).isEmpty();
        assertThat(Files.exists(marker)).isFalse();
    }

    @Test
    void aBranchTheRemoteDoesNotHaveIsRefused() {
        run(clone, "switch", "-q", "-c", "release");

        assertFails(() -> git.checkReady(clone, "origin", "release"), ExitCode.INVALID_INPUT,
                "origin has no branch release: check --remote and --branch");
    }

    @Test
    void aRemoteMustBeAConfiguredNameNotAUrl() {
        assertFails(() -> git.checkReady(clone, remote.toString(), "main"), ExitCode.INVALID_INPUT,
                "no remote named '" + remote + "' in " + repo + " (it has origin)");
    }

    @Test
    void revertingTheRevertRestoresTheOriginalContent() throws Exception {
        commitFile(clone, "app.txt", "v2\n", "ship v2");
        run(clone, "push", "-q", "origin", "main");
        git.checkReady(clone, "origin", "main");
        String reverted = git.revert(clone, git.commit(clone, "main", "HEAD")).orElseThrow();
        git.push(clone, "origin", "main");
        assertThat(run(remote, "show", "main:app.txt")).isEqualTo("v1");

        git.checkReady(clone, "origin", "main");
        git.revert(clone, git.commit(clone, "main", reverted)).orElseThrow();
        git.push(clone, "origin", "main");

        assertThat(run(remote, "show", "main:app.txt")).isEqualTo("v2");
    }

    @Test
    void aCommitRevertsWhatItsMessageNamesOnlyWhenThatIsOneOfItsAncestors() throws Exception {
        commitFile(clone, "app.txt", "v2\n", "ship v2");
        String v2 = run(clone, "rev-parse", "HEAD");
        run(clone, "revert", "--no-edit", "HEAD");
        String revert = run(clone, "rev-parse", "HEAD");
        run(clone, "switch", "-q", "-c", "side", "HEAD~2");
        commitFile(clone, "side.txt", "s\n", "a side change");
        String side = run(clone, "rev-parse", "HEAD");
        run(clone, "switch", "-q", "main");
        commitFile(clone, "app.txt", "v3\n", "ship v3\n\nThis reverts commit " + side + ".");

        List<Commit> log = git.log(clone, "main", 10);

        assertThat(log).extracting(Commit::subject).containsExactly("ship v3", "Revert \"ship v2\"", "ship v2", "first");
        assertThat(log.get(1).reverts()).isEqualTo(v2);
        assertThat(log.get(1).parent()).isEqualTo(v2);
        assertThat(log.get(0).reverts()).as("a commit of another branch is no ancestor").isNull();
        assertThat(git.commit(clone, "main", revert).reverts()).isEqualTo(v2);
        assertThat(git.log(clone, "main", 2)).hasSize(2);
    }

    @Test
    void anUnpushedCommitIsDroppedAndTheBranchIsBackAtItsParent() {
        String first = run(clone, "rev-parse", "HEAD");
        commitFile(clone, "app.txt", "v2\n", "not pushed");
        String local = run(clone, "rev-parse", "HEAD");

        assertThat(git.pushed(clone, "origin", "main", local)).isFalse();
        git.checkDrop(clone, "origin", "main", local);
        assertThat(git.drop(clone, "origin", "main", local)).isEqualTo(first);

        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(first);
        assertThat(run(clone, "show", "HEAD:app.txt")).isEqualTo("v1");
        assertThat(status(clone)).isEmpty();
    }

    @Test
    void aCommitPushedAfterItWasCheckedIsNotDropped() {
        commitFile(clone, "app.txt", "v2\n", "pushed meanwhile");
        String local = run(clone, "rev-parse", "HEAD");
        git.checkDrop(clone, "origin", "main", local);
        run(clone, "push", "-q", "origin", "main");

        assertFails(() -> git.drop(clone, "origin", "main", local), ExitCode.CONFLICT, local.substring(0, 7)
                + " is on origin/main now (pushed since it was checked): dropping it here would not take it off origin, "
                + "so nothing was changed");
        assertThat(git.pushed(clone, "origin", "main", local)).isTrue();
        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(local);
    }

    @Test
    void aCommitWithWorkOnTopOrATreeWithChangesIsNotDropped() throws Exception {
        commitFile(clone, "app.txt", "v2\n", "to drop");
        String local = run(clone, "rev-parse", "HEAD");
        Files.writeString(clone.resolve("app.txt"), "editing\n");
        assertFails(() -> git.drop(clone, "origin", "main", local), ExitCode.INVALID_INPUT)
                .hasMessageStartingWith("the work tree " + repo + " has uncommitted changes (app.txt)");
        run(clone, "checkout", "-q", "--", "app.txt");
        commitFile(clone, "later.txt", "l\n", "later work");
        String later = run(clone, "rev-parse", "HEAD");

        assertFails(() -> git.drop(clone, "origin", "main", local), ExitCode.CONFLICT, "main in " + repo + " moved past "
                + local.substring(0, 7) + ": its head is now " + later.substring(0, 7) + " \"later work\" by Dev "
                + "<dev@example.com>");
        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(later);
        run(clone, "reset", "-q", "--hard", "HEAD~2");
        assertFails(() -> git.checkDrop(clone, "origin", "main", local), ExitCode.INVALID_INPUT)
                .hasMessageStartingWith(local.substring(0, 7) + " is no longer on main in " + repo);
    }

    @Test
    void revertingWhatIsAlreadyUndoneChangesNothingAndLeavesNoMessageBehind() throws Exception {
        commitFile(clone, "app.txt", "v2\n", "ship v2");
        run(clone, "push", "-q", "origin", "main");
        git.checkReady(clone, "origin", "main");
        Commit v2 = git.commit(clone, "main", "HEAD");
        git.revert(clone, v2).orElseThrow();
        String head = run(clone, "rev-parse", "HEAD");

        assertThat(git.revert(clone, v2)).isEmpty();

        assertThat(run(clone, "rev-parse", "HEAD")).isEqualTo(head);
        assertThat(status(clone)).isEmpty();
        assertThat(clone.resolve(".git/MERGE_MSG")).doesNotExist();
    }

    @Test
    void aDirectoryThatIsNoWorkTreeIsRefused() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));

        assertFails(() -> git.checkReady(empty, "origin", "main"), ExitCode.INVALID_INPUT, empty + " is not a git "
                + "work tree (not a git repository (or any of the parent directories): .git): pass --repo with a clone "
                + "of the service's repository");
    }

    @Test
    void anUnknownCommitOrOneNotOnTheBranchIsRefused() {
        run(clone, "switch", "-q", "-c", "feature");
        commitFile(clone, "feature.txt", "new\n", "elsewhere");
        String elsewhere = run(clone, "rev-parse", "HEAD");

        assertFails(() -> git.commit(clone, "main", "nope"), ExitCode.INVALID_INPUT,
                "'nope' is not a commit in " + repo);
        assertFails(() -> git.commit(clone, "main", "feature"), ExitCode.INVALID_INPUT, "commit "
                + elsewhere.substring(0, 7) + " is not on main in " + repo + ": there is nothing of it to revert");
    }

    @Test
    void aHalfDoneMergeIsRefused() throws Exception {
        run(clone, "switch", "-q", "-c", "feature");
        commitFile(clone, "app.txt", "feature\n", "feature edit");
        run(clone, "switch", "-q", "main");
        commitFile(clone, "app.txt", "main\n", "main edit");
        assertThat(shell.run(clone, "merge", "-q", "feature").ok()).isFalse();
        Files.writeString(clone.resolve("app.txt"), "main\n");
        run(clone, "add", "app.txt");

        assertFails(() -> git.checkReady(clone, "origin", "main"), ExitCode.INVALID_INPUT, "a merge is in progress in "
                + repo + ": finish it, or git merge --abort, then retry");
    }

    @Test
    void aFetchThatFailsIsAnApiFailureWithoutTheCredentials() {
        run(clone, "remote", "add", "leaky", "https://user:s3cret@127.0.0.1:9/x.git");

        assertFails(() -> git.checkReady(clone, "leaky", "main"), ExitCode.API_FAILURE)
                .hasMessageStartingWith("could not fetch main from leaky: unable to access 'https://")
                .hasMessageNotContaining("s3cret");
    }

    private void hook(String body) throws Exception {
        Path hook = remote.resolve("hooks/pre-receive");
        Files.writeString(hook, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Another developer pushes {@code n} commits to main. */
    private void pushFromElsewhere(int n) {
        Path other = cloneOf("other");
        for (int i = 1; i <= n; i++) {
            commitFile(other, "other.txt", "theirs " + i + "\n", "their change " + i);
        }
        run(other, "push", "-q", "origin", "main");
    }

    private Path cloneOf(String name) {
        run(dir, "clone", "-q", remote.toString(), name);
        Path path = dir.resolve(name);
        run(path, "config", "user.name", "Dev");
        run(path, "config", "user.email", "dev@example.com");
        return path;
    }

    private void commitFile(Path repo, String file, String content, String message) {
        try {
            Files.writeString(repo.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(repo, "add", file);
        run(repo, "commit", "-q", "-m", message);
    }

    private String status(Path repo) {
        return run(repo, "status", "--porcelain");
    }

    private String run(Path in, String... args) {
        Git.Result result = shell.run(in, args);
        assertThat(result.ok()).as("git %s: %s", String.join(" ", args), result.err()).isTrue();
        return result.out().strip();
    }

    private static void assertFails(ThrowingCallable call, ExitCode code, String message) {
        assertFails(call, code).hasMessage(message);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFails(ThrowingCallable call, ExitCode code) {
        return assertThatThrownBy(call).isInstanceOf(RunbookException.class)
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(code));
    }
}

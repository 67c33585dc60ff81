package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Method 3 end to end: the sandbox's CI deploys each push to its bare repository (image tag = the
 * commit), `rollback git` reverts the breaking commit in a clone, pushes, and waits for that deploy.
 */
class GitCommandTest {
    private final Path dir = tempDir();
    private final CliHarness cli = new CliHarness(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(50))
            .withRevisionStartDelay(Duration.ofMillis(50)).withGitRepo(dir.resolve("virtuoso-api.git"), "main"));
    private final Path work = cloneOfTheRepository();

    @AfterEach
    void close() throws Exception {
        cli.close();
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Path tempDir() {
        try {
            return java.nio.file.Files.createTempDirectory("rollback-git-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path cloneOfTheRepository() {
        git(dir, "clone", "--quiet", dir.resolve("virtuoso-api.git").toString(), "virtuoso-api");
        Path clone = dir.resolve("virtuoso-api");
        git(clone, "config", "user.name", "On Call");
        git(clone, "config", "user.email", "oncall@virtuoso.example");
        return clone;
    }

    /** A commit made in {@code clone} after the rollback, pushed to main. */
    private static void pushACommit(Path clone, String subject) throws java.io.IOException {
        java.nio.file.Files.writeString(clone.resolve("FIX.md"), subject + "\n");
        git(clone, "add", "FIX.md");
        git(clone, "commit", "--quiet", "-m", subject);
        git(clone, "push", "--quiet", "origin", "main");
    }

    /** git as a developer runs it, with no user or system configuration. */
    private static String git(Path in, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(in.toFile()).redirectErrorStream(true);
            pb.environment().putAll(Map.of("GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null",
                    "GIT_TERMINAL_PROMPT", "0"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("git " + String.join(" ", args) + ": " + out).isZero();
            return out.strip();
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void revertsTheBreakingCommitPushesAndWaitsForTheRevisionCiDeploys() {
        String head = git(work, "rev-parse", "--short", "HEAD");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("git revert --no-edit " + head).contains("git push origin main")
                .contains("is Ready and serving").contains("checks: 5/5 passed");
        String revert = git(work, "rev-parse", "--short", "HEAD");
        assertThat(git(work, "log", "-1", "--format=%s")).startsWith("Revert ");
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "--short", "main")).isEqualTo(revert);
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":" + revert);

        // The journal holds the revert: undo reverts the revert, and CI deploys the breaking change again.
        CliHarness.Result undo = cli.run("undo", "--yes");
        assertThat(undo.out()).contains("git revert --no-edit " + revert);
        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(3);
        assertThat(git(work, "log", "-1", "--format=%s")).startsWith("Revert \"Revert ");
    }

    @Test
    void incidentRecordsKeptInsideTheCloneDoNotMakeItsWorkTreeDirtyForTheRollbackOrItsUndo() throws Exception {
        // Run from the clone, the default incidents/ folder is inside it, as this one is.
        Path records = work.resolve("incidents");
        String head = git(work, "rev-parse", "--short", "HEAD");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify", "--incident-dir",
                records.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("git revert --no-edit " + head);
        String id = cli.journal().get(0).path("id").asText();
        assertThat(records.resolve(id).resolve("incident.md")).exists();
        assertThat(git(work, "status", "--porcelain")).isEqualTo("?? incidents/");
        String revert = git(work, "rev-parse", "--short", "HEAD");

        CliHarness.Result undo = cli.run("undo", "--yes", "--no-verify", "--incident-dir", records.toString());

        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("git revert --no-edit " + revert);
        assertThat(git(work, "log", "-1", "--format=%s")).startsWith("Revert \"Revert ");
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "--short", "main"))
                .isEqualTo(git(work, "rev-parse", "--short", "HEAD"));
    }

    @Test
    void recordsKeptAtTheClonesTopPassOverTheirOwnFoldersButNotOtherUntrackedFiles() throws Exception {
        String head = git(work, "rev-parse", "--short", "HEAD");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify", "--incident-dir",
                work.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("git revert --no-edit " + head);
        String id = cli.journal().get(0).path("id").asText();
        assertThat(work.resolve(id).resolve("incident.md")).exists();

        java.nio.file.Files.writeString(work.resolve("notes.txt"), "a leftover\n");
        CliHarness.Result undo = cli.run("undo", "--yes", "--no-verify", "--incident-dir", work.toString());

        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(2);
        assertThat(undo.err()).contains("has uncommitted changes (notes.txt)").doesNotContain(id);
    }

    @Test
    void aTrackedFileChangedInsideTheIncidentRecordsFolderStillStopsTheRollback() throws Exception {
        Path records = work.resolve("incidents");
        java.nio.file.Files.createDirectories(records);
        java.nio.file.Files.writeString(records.resolve("README.md"), "Incident records.\n");
        git(work, "add", "incidents/README.md");
        git(work, "commit", "--quiet", "-m", "Keep incident records here");
        git(work, "push", "--quiet", "origin", "main");
        java.nio.file.Files.writeString(records.resolve("README.md"), "Edited, not committed.\n");
        String head = git(work, "rev-parse", "HEAD");

        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify", "--incident-dir",
                records.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("has uncommitted changes (incidents/README.md)");
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(head);
    }

    @Test
    void aSecondRunStopsAtItsOwnRevertWithExit2AndPointsAtUndoAndAtAgainNamingTheCommitBefore() throws Exception {
        String broken = git(work, "rev-parse", "--short", "HEAD");
        String before = git(work, "rev-parse", "--short", "HEAD~1");
        assertThat(cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify").code()).isZero();
        String revert = git(work, "rev-parse", "HEAD");
        String id = cli.journal().get(0).path("id").asText();
        int calls = cli.mutations();

        CliHarness.Result again = cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify");

        assertThat(again.code()).as(again.out() + again.err()).isEqualTo(2);
        assertThat(again.err()).startsWith("error: HEAD " + revert.substring(0, 7) + " \"Revert \"Release v1.2.0: cache "
                + "command lookups\"\" is the revert `git --commit " + broken + "` made ")
                .contains("(by tester, journal " + id + "); reverting it would put " + broken + " \"Release v1.2.0: "
                        + "cache command lookups\" back, the change it rolled back: to do that, `rollback undo " + id
                        + "`; to go one further back, `rollback git --again` (reverts " + before + " \"Release v1.1.0: "
                        + "list commands by name\")\n");
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(revert);
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(revert);
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aRevertPushedByAColleagueWithAnotherJournalIsRecognisedByItsMessageAndNotRevertedAgain() throws Exception {
        git(dir, "clone", "--quiet", dir.resolve("virtuoso-api.git").toString(), "colleague");
        Path colleague = dir.resolve("colleague");
        git(colleague, "config", "user.name", "Colleague");
        git(colleague, "config", "user.email", "colleague@virtuoso.example");
        String broken = git(colleague, "rev-parse", "--short", "HEAD");
        git(colleague, "revert", "--no-edit", "HEAD");
        git(colleague, "push", "--quiet", "origin", "main");
        git(work, "pull", "--quiet", "--ff-only", "origin", "main");
        String revert = git(work, "rev-parse", "--short", "HEAD");

        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("HEAD " + revert + " \"Revert \"Release v1.2.0: cache command lookups\"\" (by "
                + "Colleague <colleague@virtuoso.example>) reverts " + broken + "; reverting it would put " + broken)
                .contains("to do that, `rollback git --commit " + revert + "`");
        assertThat(git(work, "rev-parse", "--short", "HEAD")).isEqualTo(revert);
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void againRevertsTheReleaseBeforeTheOneRolledBackAndCiDeploysIt() {
        String before = git(work, "rev-parse", "--short", "HEAD~1");
        assertThat(cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify").code()).isZero();

        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--again", "--yes", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("git revert --no-edit " + before);
        assertThat(git(work, "log", "-1", "--format=%s")).isEqualTo("Revert \"Release v1.1.0: list commands by name\"");
        String head = git(work, "rev-parse", "--short", "HEAD");
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":" + head);
    }

    @Test
    void revertingTheRevertOfARevertTakesTheBrokenReleaseOutAgainAndIsLetThrough() {
        assertThat(cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify").code()).isZero();
        assertThat(cli.run("undo", "--yes", "--no-verify").code()).isZero(); // reverts the revert: v1.2.0 is back

        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(git(work, "show", "HEAD:VERSION")).isEqualTo("1.1.0");
    }

    @Test
    void againGoesWithoutCommit() {
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--again", "--commit", "HEAD~1", "--yes");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --again picks the commit itself (the newest change still in effect on "
                + "main); it goes without --commit\n");
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void undoFromAClonePushedPastByAColleagueNamesTheirCommitAsTheLaterChangeNotAPull() throws Exception {
        assertThat(cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify").code()).isZero();
        git(dir, "clone", "--quiet", dir.resolve("virtuoso-api.git").toString(), "colleague");
        Path colleague = dir.resolve("colleague");
        git(colleague, "config", "user.name", "Colleague");
        git(colleague, "config", "user.email", "colleague@virtuoso.example");
        pushACommit(colleague, "Fix it another way");
        String local = git(work, "rev-parse", "HEAD");
        int calls = cli.mutations();

        CliHarness.Result undo = cli.run("undo", "--yes");

        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("main moved past the revert ").contains("\"Fix it another way\" by Colleague")
                .contains("nothing was sent").contains("`git pull`");
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(local);
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void quickPreviousRightAfterAGitRollbackDoesNotWalkBackOntoTheRevertedRelease() {
        assertThat(cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify").code()).isZero();
        int calls = cli.mutations();

        CliHarness.Result r = cli.rb("quick", "--previous", "--yes", "--no-verify");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(" serves because of `git ").contains("--previous now would go one further back");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void undoRefusesToRevertTheRevertOnceSomeonePushedAfterItAndChangesNothing() throws Exception {
        assertThat(cli.rb("git", "--repo", work.toString(), "--yes", "--no-verify").code()).isZero();
        pushACommit(work, "Fix the commands endpoint another way");
        String head = git(work, "rev-parse", "HEAD");
        int calls = cli.mutations();

        CliHarness.Result undo = cli.run("undo", "--yes");

        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("main moved past the revert ").contains(": its head is now "
                + head.substring(0, 7) + " \"Fix the commands endpoint another way\" by On Call")
                .contains("nothing was sent");
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(head);
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(head);
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aPinnedServiceIsToldItsNewRevisionGetsNoTrafficAndToLatestRoutesToIt() {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        CliHarness.Result told = cli.rb("--dry-run", "git", "--repo", work.toString());
        assertThat(told.out()).contains("virtuoso-api is pinned to virtuoso-api-00002-def: the revision CI deploys gets "
                + "no traffic; add --to-latest to route to it once it is Ready");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--to-latest", "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        String revert = git(work, "rev-parse", "--short", "HEAD");
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.SEED_TRAFFIC);
        assertThat(cli.service().getTemplate().getContainers(0).getImage()).isEqualTo(Sandbox.IMAGE + ":" + revert);
    }

    @Test
    void onAPinnedServiceTheResultSaysTheChecksHitThePinnedRevisionNotTheNewOne() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();

        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        String made = cli.journal().get(cli.journal().size() - 1).path("after").path("revision").asText();
        assertThat(made).startsWith("virtuoso-api-");
        assertThat(r.out()).contains("deployed as " + made + "; the checks hit the service's URL, which serves "
                + "virtuoso-api-00002-def (pinned), not " + made);
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
    }

    @Test
    void aDryRunNeitherCommitsNorPushesNorCallsCloudRun() {
        String local = git(work, "rev-parse", "HEAD");
        String remote = git(dir.resolve("virtuoso-api.git"), "rev-parse", "main");
        var seed = cli.service();
        CliHarness.Result r = cli.rb("-v", "--dry-run", "git", "--repo", work.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("git revert --no-edit " + local.substring(0, 7)).contains("dry run")
                .contains("  $ git fetch"); // -v shows each git command the checks ran
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(local);
        assertThat(git(work, "status", "--porcelain")).isEmpty();
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(remote);
        assertThat(cli.controls.mutatingCalls()).isZero();
        assertThat(cli.service()).isEqualTo(seed);
    }

    @Test
    void aTimeoutThatIsNotPositiveIsExit2BeforeAnyCommitOrPush() {
        String local = git(work, "rev-parse", "HEAD");
        String remote = git(dir.resolve("virtuoso-api.git"), "rev-parse", "main");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--timeout", "0s", "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --timeout must be positive, not 0ms\n");
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(local);
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(remote);
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void noPushStopsAfterTheLocalRevertAndPrintsThePushCommand() {
        String remoteHead = git(dir.resolve("virtuoso-api.git"), "rev-parse", "main");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--no-push", "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("push it yourself with `git -C " + work + " push origin main`")
                .contains("(local, not pushed)");
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(remoteHead);
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void undoOfANoPushRevertDropsTheLocalCommitAndTouchesNeitherTheRemoteNorTheService() throws Exception {
        String head = git(work, "rev-parse", "HEAD");
        String remoteHead = git(dir.resolve("virtuoso-api.git"), "rev-parse", "main");
        assertThat(cli.rb("git", "--repo", work.toString(), "--no-push", "--yes").code()).isZero();
        String revert = git(work, "rev-parse", "HEAD");
        var seed = cli.service();

        CliHarness.Result undo = cli.run("undo", "--yes");

        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("drop the local revert " + revert.substring(0, 7) + " from main, never pushed: "
                + "main goes back to " + head.substring(0, 7) + " \"Release v1.2.0: cache command lookups\"")
                .contains("git reset --keep " + head.substring(0, 7));
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(head);
        assertThat(git(work, "status", "--porcelain")).isEmpty();
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(remoteHead);
        assertThat(cli.controls.mutatingCalls()).isZero();
        assertThat(cli.service()).isEqualTo(seed);
        var step = cli.journal().get(cli.journal().size() - 1);
        assertThat(step.path("command").asText()).startsWith("undo ");
        assertThat(step.path("state").asText()).isEqualTo("applied");
        assertThat(step.path("after").path("dropped").asText()).isEqualTo(revert);
        assertThat(step.path("after").path("head").asText()).isEqualTo(head);

        // Undone again, the commit is reverted again, locally.
        CliHarness.Result redo = cli.run("undo", "--yes");
        assertThat(redo.code()).as(redo.out() + redo.err()).isZero();
        assertThat(git(work, "log", "-1", "--format=%s")).isEqualTo("Revert \"Release v1.2.0: cache command lookups\"");
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(remoteHead);
    }

    @Test
    void undoOfANoPushRevertWithACommitOnTopRefusesWithExit5EvenForcedAndDropsNothing() throws Exception {
        assertThat(cli.rb("git", "--repo", work.toString(), "--no-push", "--yes").code()).isZero();
        String revert = git(work, "rev-parse", "--short", "HEAD");
        java.nio.file.Files.writeString(work.resolve("FIX.md"), "later\n");
        git(work, "add", "FIX.md");
        git(work, "commit", "--quiet", "-m", "Note the fix");
        String head = git(work, "rev-parse", "HEAD");

        CliHarness.Result undo = cli.run("undo", "--yes");
        CliHarness.Result forced = cli.run("undo", "--yes", "--force");

        assertThat(undo.code()).as(undo.out() + undo.err()).isEqualTo(5);
        assertThat(undo.err()).contains("its revert " + revert + " was never pushed, so undo drops it, but main in "
                + work + " moved past " + revert + ": its head is now " + head.substring(0, 7) + " \"Note the fix\" by "
                + "On Call <oncall@virtuoso.example>; nothing was changed (`git -C " + work + " revert " + revert
                + "` reverts it and keeps them)");
        assertThat(forced.code()).isEqualTo(5);
        assertThat(git(work, "rev-parse", "HEAD")).isEqualTo(head);
        assertThat(git(work, "status", "--porcelain")).isEmpty();
    }

    @Test
    void undoOfANoPushRevertPushedByHandSinceIsNotDroppedButRevertedLocally() {
        assertThat(cli.rb("git", "--repo", work.toString(), "--no-push", "--yes").code()).isZero();
        git(work, "push", "--quiet", "origin", "main");
        String pushed = git(work, "rev-parse", "HEAD");

        CliHarness.Result undo = cli.run("undo", "--yes", "--no-verify");

        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(git(work, "log", "-1", "--format=%s")).startsWith("Revert \"Revert ");
        assertThat(git(work, "rev-parse", "HEAD~1")).isEqualTo(pushed);
        assertThat(git(dir.resolve("virtuoso-api.git"), "rev-parse", "main")).isEqualTo(pushed);
    }

    @Test
    void aDirtyTreeIsExit2BeforeAnythingIsOffered() throws Exception {
        java.nio.file.Files.writeString(work.resolve("scratch.txt"), "wip");
        CliHarness.Result r = cli.rb("git", "--repo", work.toString(), "--yes");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: the work tree " + work + " has uncommitted changes (scratch.txt)");
        assertThat(r.out()).isEmpty();
    }
}

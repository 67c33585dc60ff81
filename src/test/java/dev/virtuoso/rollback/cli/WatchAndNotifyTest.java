package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.secretmanager.v1.SecretVersion;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchAndNotifyTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void watchAutoRollsTheBrokenRevisionBackExactlyOnce() throws Exception {
        cli.manualTime();
        Map<String, String> env = cli.slackEnv();
        CliHarness.Result r = cli.run(env, "-r", cli.runbookWithSlack().toString(), "watch", "--auto", "--yes",
                "--interval", "10s", "--for", "2m");
        assertThat(r.out()).contains("virtuoso-api-00003-ghi  FIRING 5xx 60.0% of 3000").contains("(firing for 30s)")
                .contains("trigger held for 30s: rolling back to the previous revision");
        // From then on the revision serving now is judged by its own metrics, not the window's broken minutes.
        String after = r.out().substring(r.out().indexOf("watching the outcome"));
        assertThat(after).contains("virtuoso-api-00002-def").doesNotContain("FIRING");
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        // One incident: the start and its outcome; the webhook URL is in neither output nor journal.
        assertThat(cli.controls.webhookMessages()).hasSize(2);
        assertThat(cli.controls.webhookMessages().get(0)).contains("rollback quick --previous on").contains("virtuoso-api-00002-def");
        assertThat(cli.controls.webhookMessages().get(1)).contains("applied and verified");
        // Why, in the trigger's words: journaled with the step and sent with the notification.
        String why = "trigger held for 30s on virtuoso-api-00003-ghi: 5xx 60.0% of ";
        assertThat(cli.journal().get(0).path("reason").asText()).startsWith(why);
        assertThat(cli.controls.webhookMessages().get(0)).contains("; reason: " + why);
        String url = cli.controls.webhookUrl().toString();
        assertThat(r.out() + r.err()).doesNotContain(url);
        assertThat(Files.readString(cli.home.resolve("journal.jsonl"))).doesNotContain(url);
    }

    @Test
    void aRestartedWatchNeverRollsBackAServiceChangedWithinWindowPlusSustain() {
        cli.manualTime();
        // Someone pinned the broken revision a moment ago: its own metrics fire, but the journal says it was
        // just changed, so a watch (a new process, as after a restart) must not act on it.
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00003-ghi", "--yes", "--no-verify").code()).isZero();
        int calls = cli.mutations();
        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "1m");
        assertThat(r.out()).contains("FIRING").contains("not rolling back: virtuoso-api was changed at")
                .contains("by tester (quick --to-revision virtuoso-api-00003-ghi, journal ");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @Test
    void aWatchDoesNotRollBackWhileSomeoneElsesChangeIsStillBeingApplied() throws Exception {
        cli.manualTime();
        // A colleague tags a revision; Cloud Run takes its time, and the broken revision serves until it lands.
        cli.controls.setOperationDelay(java.time.Duration.ofHours(1));
        var colleague = java.util.concurrent.CompletableFuture.supplyAsync(() -> cli.run(Map.of("ROLLBACK_HOME",
                cli.home.resolve("colleague").toString()), "-r", "runbooks/sandbox.yaml", "tag", "--revision",
                "virtuoso-api-00001-abc", "--name", "colleague", "--yes"), task -> new Thread(task).start());
        SandboxControls.awaitOtherThread(() -> cli.controls.service().getReconciling(),
                "the colleague's change never reached the sandbox");
        int calls = cli.mutations();

        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "1m");

        assertThat(r.code()).as("a trigger fired: " + r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("virtuoso-api-00003-ghi  FIRING").contains("not rolling back: virtuoso-api is "
                        + "still applying a change (generation ")
                .contains("watching what serves once it lands").doesNotContain("rolling back to the previous");
        assertThat(cli.mutations()).isEqualTo(calls);
        cli.controls.completeOperationsNow();
        assertThat(colleague.get(30, java.util.concurrent.TimeUnit.SECONDS).code()).isZero();
    }

    @Test
    void theAutomaticRollbackRunsQuicksPreflightAndRefusesARevisionWhosePinnedSecretIsGone() {
        cli.manualTime();
        // virtuoso-api-00002-def, the previous revision, pins version 2 of the API key.
        cli.controls.apiKeyVersion(2, SecretVersion.State.DISABLED);
        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "1m");
        assertThat(r.out()).contains("virtuoso-api-00003-ghi  FIRING")
                .contains("not rolling back: virtuoso-api-00002-def pins secret virtuoso-api-key version 2")
                .contains("which is DISABLED").contains("nothing was changed");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void watchAutoWithAnIncidentDirItCannotWriteIsExit2BeforeTheFirstSample() throws Exception {
        cli.manualTime();
        java.nio.file.Path file = Files.writeString(cli.home.resolve("plain.txt"), "x");
        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "2m", "--incident-dir",
                file.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: cannot write the incident directory (--incident-dir) " + file
                + ": it exists and is not a directory");
        assertThat(r.out()).isEmpty();
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void watchAutoStillRollsBackWhenItsIncidentDirWentBadAfterItStartedAndWarns() throws Exception {
        cli.manualTime();
        java.nio.file.Path dir = Files.createDirectories(cli.home.resolve("records"));
        var paced = cli.sleeper;
        // Between the check at the start and the trigger, the folder is replaced by a file.
        cli.sleeper = d -> {
            if (Files.isDirectory(dir)) {
                try {
                    Files.delete(dir);
                    Files.writeString(dir, "x");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            paced.sleep(d);
        };
        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "10s", "--for", "2m", "--incident-dir",
                dir.toString());

        assertThat(r.out()).contains("trigger held for 30s: rolling back to the previous revision");
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        assertThat(r.err()).contains("warning: no incident record: cannot write the incident directory "
                + "(--incident-dir) " + dir);
    }

    @Test
    void theIncidentOptionsWithoutAutoAreExit2SinceAWatchAloneKeepsNoRecord() {
        cli.manualTime();
        CliHarness.Result r = cli.rb("watch", "--interval", "1m", "--for", "3m", "--since", "2h");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: --since goes only with --auto (a watch alone changes nothing, so "
                + "it keeps no incident record)");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anIntervalBelowOneSecondIsExit2BeforeAnything() {
        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "500ms");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: --interval must be at least 1s, not 500ms (Cloud Monitoring has "
                + "one point a minute)");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void eachLineStartsWithTheLocalTimeToTheSecondAndItsZone() throws Exception {
        java.time.ZoneId paris = java.time.ZoneId.of("Europe/Paris");
        cli.manualTime(paris);
        // A change just now: the watch names its time too, and does not act on it.
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isZero();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00003-ghi", "--yes", "--no-verify").code()).isZero();
        java.time.Instant changed = java.time.Instant.parse(
                cli.journal().get(cli.journal().size() - 1).path("time").asText());
        java.time.Instant start = cli.clock.instant();

        CliHarness.Result r = cli.rb("watch", "--auto", "--yes", "--interval", "1m", "--for", "2m");

        var local = java.time.format.DateTimeFormatter.ofPattern("MM-dd HH:mm:ss z", java.util.Locale.ROOT)
                .withZone(paris);
        java.util.List<String> lines = r.out().lines().filter(l -> l.contains("  virtuoso-api-00003-ghi  ")).toList();
        assertThat(lines).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(lines.get(i)).startsWith(local.format(start.plusSeconds(60L * i)) + "  virtuoso-api-00003-ghi  ");
        }
        assertThat(lines.get(0)).matches("\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d CES?T  .*");
        assertThat(r.out()).contains("was changed at " + local.format(changed) + " by tester")
                .doesNotContainPattern("\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    }

    @Test
    void watchWithoutAutoOnlyReports() {
        cli.manualTime();
        CliHarness.Result r = cli.rb("watch", "--interval", "1m", "--for", "3m");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out().lines().filter(l -> l.contains("FIRING"))).hasSize(4);
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void aFailingWebhookIsOnlyAWarningAndNeverLeaksTheUrl() throws Exception {
        cli.controls.webhookFailsWith(500);
        Map<String, String> env = cli.slackEnv();
        CliHarness.Result r = cli.run(env, "-r", cli.runbookWithSlack().toString(), "quick", "--previous", "--yes");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("warning: Slack notification failed: HTTP 500");
        assertThat(r.out() + r.err()).doesNotContain(cli.controls.webhookUrl().toString())
                .doesNotContain("/services/T00000000");
        assertThat(cli.mutations()).isEqualTo(1);
    }
}

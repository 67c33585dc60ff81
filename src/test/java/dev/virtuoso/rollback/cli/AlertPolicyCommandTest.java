package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.monitoring.v3.AlertPolicy;
import com.google.monitoring.v3.ComparisonType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AlertPolicyCommandTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void printsThePolicyWithoutCreatingIt() {
        CliHarness.Result r = cli.rb("alert-policy");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("displayName: \"Auto Rollback on High Error Rate\"")
                .contains("metric.labels.response_code_class=\"5xx\"").contains("denominatorFilter:")
                .contains("thresholdValue: 0.5").contains("duration: 60s");
        assertThat(cli.controls.policyWrites()).isZero();
    }

    /** The sandbox runbook with a sustain Cloud Monitoring accepts as a condition duration. */
    private String oneMinuteSustain() throws Exception {
        Path book = cli.home.resolve("one-minute.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml")).replace("sustain: 30s", "sustain: 60s"));
        return book.toString();
    }

    @Test
    void applyTwiceIsOneCreateAndNoSecondChange() throws Exception {
        String book = oneMinuteSustain();
        CliHarness.Result first = cli.run("-r", book, "alert-policy", "--apply", "--yes", "--channel",
                "projects/virtuoso-sandbox/notificationChannels/auto-rollback");
        assertThat(first.code()).isZero();
        assertThat(first.out()).contains("✓ create alert policy \"Auto Rollback on High Error Rate\"");
        CliHarness.Result second = cli.run("-r", book, "alert-policy", "--apply", "--yes", "--channel",
                "projects/virtuoso-sandbox/notificationChannels/auto-rollback");
        assertThat(second.out()).contains("already as the runbook says; nothing to do");
        assertThat(cli.controls.policyWrites()).isEqualTo(1);

        AlertPolicy p = cli.controls.policies().get(0);
        var threshold = p.getConditions(0).getConditionThreshold();
        assertThat(threshold.getComparison()).isEqualTo(ComparisonType.COMPARISON_GT);
        assertThat(threshold.getThresholdValue()).isEqualTo(0.5);
        assertThat(threshold.getDuration().getSeconds()).isEqualTo(60);
        assertThat(threshold.getDenominatorFilter()).doesNotContain("5xx").contains("request_count");
        assertThat(p.getNotificationChannelsList()).containsExactly("projects/virtuoso-sandbox/notificationChannels/auto-rollback");
        // The person paged is told the command for this runbook, not a guess from the service's name.
        assertThat(p.getDocumentation().getContent()).contains("`rollback -r " + book + " quick --previous`");

        CliHarness.Result changed = cli.run("-r", book, "alert-policy", "--apply", "--yes", "--threshold", "0.2");
        assertThat(changed.out()).contains("update alert policy");
        assertThat(cli.controls.policyWrites()).isEqualTo(2);
        assertThat(cli.controls.policies()).hasSize(1);
        assertThat(cli.run("history").out()).contains("alert-policy");
    }

    @Test
    void aRunbookInAGitWorkTreeIsNamedInThePolicyRelativeToTheTreesRootNotByItsLocalPath() throws Exception {
        Path repo = cli.home.resolve("virtuoso-api");
        Files.createDirectories(repo.resolve("ops/runbooks"));
        Process init = new ProcessBuilder("git", "init", "--quiet", repo.toString()).redirectErrorStream(true).start();
        assertThat(init.waitFor()).isZero();
        Path book = repo.resolve("ops/runbooks/prod.yaml");
        Files.writeString(book, Files.readString(Path.of(oneMinuteSustain())));

        CliHarness.Result r = cli.run("-r", book.toString(), "alert-policy", "--apply", "--yes");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(cli.controls.policies().get(0).getDocumentation().getContent())
                .contains("`rollback -r ops/runbooks/prod.yaml quick --previous`").doesNotContain(cli.home.toString());
    }

    @Test
    void aSustainOfThirtySecondsIsRoundedUpToTheWholeMinuteCloudMonitoringTakes() {
        // alert.proto, MetricThreshold.duration: only multiples of a minute are supported (the sandbox
        // refuses 30s as the API does).
        CliHarness.Result r = cli.rb("alert-policy", "--apply", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("note: triggers.sustain 30s is rounded up to 1m: Cloud Monitoring takes alert "
                + "durations in whole minutes").contains("5xx ratio > 50% for 1m");
        assertThat(cli.controls.policies().get(0).getConditions(0).getConditionThreshold().getDuration().getSeconds())
                .isEqualTo(60);
        // Printed, the policy alone is on stdout (it goes to a file); the note is on stderr.
        CliHarness.Result printed = cli.rb("alert-policy");
        assertThat(printed.out()).doesNotContain("note:").startsWith("#");
        assertThat(printed.err()).contains("note: triggers.sustain 30s is rounded up to 1m");
    }

    @Test
    void applyNeedsConfirmationAndABadThresholdIsExit2() {
        assertThat(cli.rb("alert-policy", "--apply").code()).isEqualTo(2);
        CliHarness.Result bad = cli.rb("alert-policy", "--threshold", "1.5");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("error: --threshold must be a fraction between 0 and 1, not 1.5");
        assertThat(cli.controls.policyWrites()).isZero();
    }

    @Test
    void undoPutsTheUpdatedPolicyBackAndDeletesACreatedOne() {
        assertThat(cli.rb("alert-policy", "--apply", "--yes").code()).isZero();
        assertThat(cli.rb("alert-policy", "--apply", "--yes", "--threshold", "0.2").code()).isZero();
        assertThat(cli.controls.policies().get(0).getConditions(0).getConditionThreshold().getThresholdValue())
                .isEqualTo(0.2);

        CliHarness.Result undo = cli.run("undo", "--yes");
        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("✓ update alert policy \"Auto Rollback on High Error Rate\"")
                .contains("5xx ratio > 20% for 1m → 5xx ratio > 50% for 1m");
        assertThat(cli.controls.policies()).hasSize(1);
        assertThat(cli.controls.policies().get(0).getConditions(0).getConditionThreshold().getThresholdValue())
                .isEqualTo(0.5);

        // The first apply created the policy: undoing it deletes the policy.
        String created = cli.run("-o", "json", "history").out().split("\"id\" : \"")[1].split("\"")[0];
        CliHarness.Result delete = cli.run("undo", created, "--yes");
        assertThat(delete.code()).as(delete.err()).isZero();
        assertThat(delete.out()).contains("✓ delete alert policy \"Auto Rollback on High Error Rate\"");
        assertThat(cli.controls.policies()).isEmpty();
    }

    @Test
    void pubsubTopicCreatesOneChannelForItAttachesItAndASecondApplyFindsItAndChangesNothing() throws Exception {
        String book = oneMinuteSustain();
        CliHarness.Result dry = cli.run("-r", book, "alert-policy", "--apply", "--pubsub-topic", "rollback-incidents",
                "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("new notification channel").contains("type pubsub, topic projects/"
                + "virtuoso-sandbox/topics/rollback-incidents").contains("roles/pubsub.publisher");
        assertThat(cli.controls.notificationChannels()).isEmpty();
        assertThat(cli.controls.policyWrites()).isZero();

        CliHarness.Result first = cli.run("-r", book, "alert-policy", "--apply", "--yes", "--pubsub-topic",
                "rollback-incidents");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("notifying a new Pub/Sub notification channel for projects/virtuoso-sandbox/"
                + "topics/rollback-incidents");
        assertThat(cli.controls.notificationChannels()).hasSize(1);
        var channel = cli.controls.notificationChannels().get(0);
        assertThat(channel.getType()).isEqualTo("pubsub");
        assertThat(channel.getLabelsMap()).containsEntry("topic", "projects/virtuoso-sandbox/topics/rollback-incidents");
        assertThat(cli.controls.policies()).hasSize(1);
        assertThat(cli.controls.policies().get(0).getNotificationChannelsList()).containsExactly(channel.getName());

        // The topic by its whole name this time: the same channel, and nothing to change.
        CliHarness.Result second = cli.run("-r", book, "alert-policy", "--apply", "--yes", "--pubsub-topic",
                "projects/virtuoso-sandbox/topics/rollback-incidents");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("already as the runbook says; nothing to do");
        assertThat(cli.controls.notificationChannels()).hasSize(1);
        assertThat(cli.controls.policyWrites()).isEqualTo(1);
    }
}

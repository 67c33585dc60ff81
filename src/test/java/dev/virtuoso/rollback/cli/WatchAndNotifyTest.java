package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchAndNotifyTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private Path runbookWithSlack() throws Exception {
        Path book = cli.home.resolve("slack.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                + "notify:\n  slackWebhook: {env: SLACK_WEBHOOK_URL}\n");
        return book;
    }

    @Test
    void watchAutoRollsTheBrokenRevisionBackExactlyOnce() throws Exception {
        cli.manualTime();
        Map<String, String> env = Map.of("SLACK_WEBHOOK_URL", cli.sandbox.webhook().url().toString());
        CliHarness.Result r = cli.run(env, "-r", runbookWithSlack().toString(), "watch", "--auto", "--yes",
                "--interval", "10s", "--for", "2m");
        assertThat(r.out()).contains("FIRING 5xx 60.0% of 3000").contains("(firing for 30s)")
                .contains("trigger held for 30s: rolling back to the previous revision")
                .contains("already rolled back once in this run");
        assertThat(cli.mutations()).isEqualTo(1);
        assertThat(cli.service().getTrafficList().get(0).getRevision()).isEqualTo("virtuoso-api-00002-def");
        // One incident: the start and its outcome; the webhook URL is in neither output nor journal.
        assertThat(cli.sandbox.webhook().messages()).hasSize(2);
        assertThat(cli.sandbox.webhook().messages().get(0)).contains("rollback quick on").contains("virtuoso-api-00002-def");
        assertThat(cli.sandbox.webhook().messages().get(1)).contains("applied and verified");
        String url = cli.sandbox.webhook().url().toString();
        assertThat(r.out() + r.err()).doesNotContain(url);
        assertThat(Files.readString(cli.home.resolve("journal.jsonl"))).doesNotContain(url);
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
        cli.sandbox.webhook().failWith(500);
        Map<String, String> env = Map.of("SLACK_WEBHOOK_URL", cli.sandbox.webhook().url().toString());
        CliHarness.Result r = cli.run(env, "-r", runbookWithSlack().toString(), "quick", "--previous", "--yes");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("warning: Slack notification failed: HTTP 500");
        assertThat(r.out() + r.err()).doesNotContain(cli.sandbox.webhook().url().toString())
                .doesNotContain("/services/T00000000");
        assertThat(cli.mutations()).isEqualTo(1);
    }
}

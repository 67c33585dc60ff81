package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `rollback restore bigquery` end to end against the sandbox's BigQuery with the real client. */
class RestoreBigQueryCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private String snapshotOf(String table) {
        return cli.controls.bigQueryTables("analytics").stream().filter(t -> t.startsWith(table + "_pre_restore_"))
                .findFirst().orElseThrow();
    }

    @Test
    void aPartitionedTableIsRestoredByOneTransactionKeepingItsPartitioningAfterASnapshot() throws Exception {
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("partitioned by executed_at, clustered by command, 7080 rows now")
                .contains("one transaction: DELETE FROM command_executions WHERE TRUE")
                .contains("a copy from history would drop")
                .contains("restore analytics.command_executions to ")
                .contains("rows: 7080 before → 11200 after (expected 11200)")
                .contains("row count").contains("journal: ");
        assertThat(cli.controls.bigQueryRows("analytics", "command_executions")).hasSize(11_200);
        assertThat(cli.controls.bigQueryLayout("analytics", "command_executions"))
                .isEqualTo("TABLE executed_at [command]");
        String snapshot = snapshotOf("command_executions");
        assertThat(snapshot).matches("command_executions_pre_restore_\\d{8}T\\d{6}Z");
        assertThat(cli.controls.bigQueryRows("analytics", snapshot)).hasSize(7_080);
        assertThat(cli.controls.bigQueryLayout("analytics", snapshot)).startsWith("SNAPSHOT executed_at");
        // snapshot job + the transaction: two writes, no copy from history.
        assertThat(cli.controls.bigQueryMutations()).isEqualTo(2);
        List<JsonNode> steps = cli.journal();
        assertThat(steps.get(0).path("state").asText()).isEqualTo("planned");
        assertThat(steps.get(0).path("before").path("snapshot").asText()).endsWith("." + snapshot);
        assertThat(steps.get(steps.size() - 1).path("after").path("rowsAfter").asLong()).isEqualTo(11_200);
    }

    @Test
    void aPlainTableIsRestoredByACopyJobFromItsHistory() {
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "virtuoso-sandbox:analytics.daily_totals",
                "--at", "-90m", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("plain (not partitioned or clustered), 32 rows now")
                .contains("copy job from daily_totals@").contains("WRITE_TRUNCATE")
                .contains("rows: 32 before → 30 after (expected 30)");
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).hasSize(30).noneMatch(x -> x.endsWith("=0"));
        assertThat(cli.controls.bigQueryRows("analytics", snapshotOf("daily_totals"))).hasSize(32);
    }

    @Test
    void aCompoundTimeoutAndRelativeTimeAreTakenAsEveryDurationIsAndAHugeValidTimeoutOverflowsNothing() {
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-1h30m",
                "--timeout", "1h30m", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains(" (-1h30m) ").contains("rows: 32 before → 30 after (expected 30)");
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).hasSize(30);

        CliHarness.Result back = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--from-snapshot",
                snapshotOf("daily_totals"), "--timeout", "99999d", "--yes");
        assertThat(back.code()).as(back.out() + back.err()).isZero();
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).hasSize(32);
    }

    @Test
    void partitionedTablesNamedWithHyphensSpacesOrAnyScriptAreRestoredByTheTransactionAndUndone() {
        for (String name : List.of("command-executions", "command executions", "exécutions—commandes")) {
            cli.controls.bigQueryTableLike("analytics", "command_executions", name);

            CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics." + name, "--at", "-2h", "--yes");

            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("one transaction: DELETE FROM `" + name + "` WHERE TRUE")
                    .contains("rows: 7080 before → 11200 after (expected 11200)");
            assertThat(cli.controls.bigQueryRows("analytics", name)).hasSize(11_200);
            assertThat(cli.controls.bigQueryLayout("analytics", name)).isEqualTo("TABLE executed_at [command]");
            String snapshot = snapshotOf(name);
            assertThat(cli.controls.bigQueryRows("analytics", snapshot)).hasSize(7_080);
            String path = "`virtuoso-sandbox`.`analytics`.`" + name + "`";
            assertThat(cli.controls.bigQueryStatements()).anyMatch(sql -> sql.matches(java.util.regex.Pattern.quote(
                    "BEGIN TRANSACTION; DELETE FROM " + path + " WHERE TRUE; INSERT INTO " + path + " SELECT * FROM "
                    + path + " FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(") + "\\d+\\Q); COMMIT TRANSACTION;\\E"));

            CliHarness.Result undo = cli.run("undo", "--yes");
            assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
            assertThat(cli.controls.bigQueryRows("analytics", name)).hasSize(7_080);
        }
    }

    @Test
    void plainTablesNamedWithHyphensOrSpacesAreRestoredByACopyJobFromTheirHistory() {
        for (String name : List.of("daily-totals", "daily totals")) {
            cli.controls.bigQueryTableLike("analytics", "daily_totals", name);

            CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "virtuoso-sandbox:analytics." + name, "--at",
                    "-90m", "--yes");

            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("copy job from " + name + "@").contains("rows: 32 before → 30 after");
            assertThat(cli.controls.bigQueryRows("analytics", name)).hasSize(30);
            assertThat(cli.controls.bigQueryRows("analytics", snapshotOf(name))).hasSize(32);
        }
    }

    @Test
    void aNameBigQueryRefusesIsExit2NamingWhatATableNameMayHold() {
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.daily$totals", "--at", "-2h", "--yes");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --table 'analytics.daily$totals': a table name is letters, marks, numbers, "
                + "dashes, spaces and connectors such as _ (in any script)\n");
        assertThat(cli.controls.bigQueryRequests()).isEmpty();
    }

    @Test
    void fromSnapshotRestoresTheSnapshotsRowsAfterSnapshottingTheTableAgain() {
        assertThat(cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes").code())
                .isZero();
        String first = snapshotOf("daily_totals");

        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--from-snapshot",
                first, "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("operationType RESTORE").contains("rows: 30 before → 32 after (expected 32)");
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).hasSize(32);
        assertThat(cli.controls.bigQueryTables("analytics")).filteredOn(t -> t.startsWith("daily_totals_pre_restore_"))
                .hasSize(2);
    }

    @Test
    void undoRestoresTheTableFromTheSnapshotTakenBeforeTheRestore() {
        assertThat(cli.rb("restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h", "--yes")
                .code()).isZero();
        assertThat(cli.controls.bigQueryRows("analytics", "command_executions")).hasSize(11_200);

        CliHarness.Result r = cli.rb("undo", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("restore analytics.command_executions from the snapshot analytics.command_executions_pre_restore_")
                .contains("rows: 11200 before → 7080 after (expected 7080)");
        assertThat(cli.controls.bigQueryRows("analytics", "command_executions")).hasSize(7_080);
        assertThat(cli.controls.bigQueryLayout("analytics", "command_executions"))
                .isEqualTo("TABLE executed_at [command]");
        // The undo snapshotted first too: two snapshots, the second holding the restored rows.
        assertThat(cli.controls.bigQueryTables("analytics"))
                .filteredOn(t -> t.startsWith("command_executions_pre_restore_")).hasSize(2);
    }

    @Test
    void onATerminalTheTableNameMustBeTypedAndAnythingElseChangesNothing() {
        cli.interactive = true;
        cli.stdin = "\ny\n";
        CliHarness.Result refused = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("not confirmed (the answer was not analytics.daily_totals)");
        assertThat(cli.controls.bigQueryMutations()).isZero();

        cli.stdin = "\nanalytics.daily_totals\n";
        CliHarness.Result typed = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h");
        assertThat(typed.code()).as(typed.out() + typed.err()).isZero();
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).hasSize(30);
    }

    @Test
    void aTableThatRequiresAPartitionFilterIsRefusedWithExit2BeforeAnyQueryOrJob() {
        cli.controls.requireBigQueryPartitionFilter("analytics", "command_executions");

        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("requires a partition filter").contains("SET OPTIONS (require_partition_filter "
                + "= false)");
        assertThat(r.out()).isEmpty();
        assertThat(cli.controls.bigQueryRequests()).noneMatch(q -> q.contains("queries") || q.contains("jobs"));
        assertThat(cli.controls.bigQueryMutations()).isZero();
    }

    @Test
    void aTablePartitionedByIngestionTimeIsRefusedARestoreToATimeWithExit2AndNoJob() {
        cli.controls.partitionBigQueryTableByIngestionTime("analytics", "command_executions");

        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("partitioned by ingestion time").contains("--from-snapshot");
        assertThat(r.out()).isEmpty();
        assertThat(cli.controls.bigQueryMutations()).isZero();
    }

    @Test
    void aRestoreNeverSentAfterTheSnapshotIsJournaledAsNothingChangedNamingTheSnapshotLeftOutOfUndo() throws Exception {
        // As after a kill between step 1 and step 2: the snapshot exists, the restore job does not.
        cli.controls.rejectBigQueryJobs("_2_restore", "backend error");
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        String snapshot = snapshotOf("daily_totals");
        assertThat(r.err()).contains("nothing was changed; the snapshot analytics." + snapshot + " was taken")
                .doesNotContain("undo");
        assertThat(cli.controls.bigQueryRows("analytics", "daily_totals")).hasSize(32);
        List<JsonNode> steps = cli.journal();
        JsonNode last = steps.get(steps.size() - 1);
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("after").path("restoreJob").asText()).isEqualTo("not sent");
        assertThat(last.path("changed").asBoolean()).isFalse();
    }

    @Test
    void aRestoreJobThatFailsIsExit4AndTheJournalSaysItWasSentAndFailed() throws Exception {
        cli.controls.failBigQueryJobs("_2_restore", "Resources exceeded during query execution");
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(r.err()).contains("failed: Resources exceeded during query execution")
                .contains("the change was sent and is not in effect yet (it failed)");
        assertThat(cli.controls.bigQueryRows("analytics", "command_executions")).hasSize(7_080);
        JsonNode last = cli.journal().get(cli.journal().size() - 1);
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("after").path("state").asText()).isEqualTo("failed");
    }

    @Test
    void rowsThatDifferFromTheTargetAfterTheRestoreFailTheCheckJournaledAsFailedWithExit3UnlessNoVerify() throws Exception {
        // Someone writes to the table right after the restore job: 5 rows, not the 30 of then.
        cli.controls.bigQueryWriteAfterJob("_2_restore", "analytics", "daily_totals", List.of("a", "b", "c", "d", "e"));
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("✗ restore analytics.daily_totals").contains("rows: 32 before → 5 after (expected 30)")
                .contains("5 rows after the restore, 30 at the target");
        JsonNode last = cli.journal().get(cli.journal().size() - 1);
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("detail").asText()).isEqualTo("verification: 0/1 checks passed");

        CliHarness.Result unchecked = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h",
                "--yes", "--no-verify");
        assertThat(unchecked.code()).as(unchecked.out() + unchecked.err()).isZero();
        assertThat(unchecked.out()).contains("rows: 5 before → 5 after (expected 30)");
    }

    @Test
    void jsonOutputCarriesTheRowCheckAndTheSnapshot() throws Exception {
        CliHarness.Result r = cli.rb("-o", "json", "restore", "bigquery", "--table", "analytics.daily_totals", "--at",
                "-2h", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.path("ok").asBoolean()).isTrue();
        assertThat(doc.toString()).contains("\"rowsAfter\":30").contains("daily_totals_pre_restore_")
                .contains("row count");
    }

    @Test
    void theSameRestoreToAnAbsoluteTimeRunAgainChangesNothingUntilTheTableChanges() {
        String at = java.time.Instant.now().minus(java.time.Duration.ofHours(2))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        assertThat(cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", at, "--yes").code())
                .isZero();
        int calls = cli.controls.mutatingCalls();

        CliHarness.Result again = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", at, "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("analytics.daily_totals was restored from the same time by journal step")
                .contains("has not changed since");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);

        cli.controls.bigQueryWrite("analytics", "daily_totals", java.time.Instant.now(), List.of("late row"));
        CliHarness.Result changed = cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", at,
                "--yes");
        assertThat(changed.code()).as(changed.out() + changed.err()).isZero();
        assertThat(changed.out()).doesNotContain("was restored from the same time");
        assertThat(cli.controls.mutatingCalls()).isGreaterThan(calls);
    }

    @Test
    void aDryRunOfTheUndoOfARestoreShowsItsPlanAndMakesNoMutatingCall() throws Exception {
        assertThat(cli.rb("restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--yes").code()).isZero();
        int calls = cli.controls.mutatingCalls();
        var journal = cli.journal();

        CliHarness.Result dry = cli.rb("--dry-run", "undo");

        assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
        assertThat(dry.out()).contains("dry run: ").contains("daily_totals_pre_restore_");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(cli.journal()).isEqualTo(journal);
    }

    @Test
    void aTableInASingleRegionDatasetIsRestoredWithItsJobsFollowedInThatRegion() {
        cli.controls.bigQueryDataset("eu_data", 168, 10);
        cli.controls.bigQueryLocation("eu_data", "europe-west1");
        cli.controls.bigQueryWrite("eu_data", "t", java.time.Instant.now().minus(java.time.Duration.ofHours(1)),
                List.of("only", "two"));

        // Followed without its location, the job would never be seen to finish: --timeout bounds that failure.
        CliHarness.Result r = cli.rb("restore", "bigquery", "--table", "eu_data.t", "--at", "-2h", "--timeout", "20s",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("rows: 2 before → 10 after (expected 10)");
        assertThat(cli.controls.bigQueryRequests()).anyMatch(q -> q.startsWith("GET ") && q.contains("/jobs/"));
    }

    @Test
    void thePlanSaysWhenTheSnapshotExpiresWhenTheDatasetExpiresNewTables() {
        cli.controls.bigQueryTableExpiration("analytics", java.time.Duration.ofDays(3));

        CliHarness.Result r = cli.rb("--dry-run", "restore", "bigquery", "--table", "analytics.daily_totals", "--at",
                "-2h");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("expires after 72h, dataset analytics's default table expiration: `rollback undo` "
                + "restores from it until then").doesNotContain("is kept (it outlives");
    }
}

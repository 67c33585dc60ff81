package dev.virtuoso.rollback.restore.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.BigQueryTables.TableInfo;
import dev.virtuoso.rollback.port.BigQueryTables.TableRef;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.Progress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What {@link BigQueryRestore} makes of its inputs, against a table store that only answers reads. */
class BigQueryRestoreTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aTableSpecNamesItsProjectByDotOrColonAndKeepsADomainScopedProjectsColon() {
        assertThat(BigQueryRestore.table("analytics.t", "p1", "--table")).isEqualTo(new TableRef("p1", "analytics", "t"));
        assertThat(BigQueryRestore.table("p2.analytics.t", "p1", "--table"))
                .isEqualTo(new TableRef("p2", "analytics", "t"));
        assertThat(BigQueryRestore.table("p2:analytics.t", "p1", "--table"))
                .isEqualTo(new TableRef("p2", "analytics", "t"));
        assertThat(BigQueryRestore.table("`example.com:proj.analytics.t`", null, "--table"))
                .isEqualTo(new TableRef("example.com:proj", "analytics", "t"));
        assertThat(BigQueryRestore.table("example.com:proj:analytics.t", null, "--table"))
                .isEqualTo(new TableRef("example.com:proj", "analytics", "t"));
        TableRef scoped = new TableRef("example.com:proj", "analytics", "t");
        assertThat(BigQueryRestore.table(scoped.toString(), null, "journal table")).isEqualTo(scoped);
    }

    @Test
    void tableNamesAreWhatBigQueryAllowsHyphensSpacesAndAnyScript() {
        for (String name : List.of("command-executions", "command executions", "table 01", "ग्राहक", "00_お客様",
                "étudiant-01", "a\u2014b", "x\u203Fy")) {
            assertThat(BigQueryRestore.table("analytics." + name, "my-project", "--table"))
                    .isEqualTo(new TableRef("my-project", "analytics", name));
        }
        assertThat(BigQueryRestore.table("example.com:proj:analytics.command executions", null, "--table"))
                .isEqualTo(new TableRef("example.com:proj", "analytics", "command executions"));
        assertThat(BigQueryRestore.table("analytics." + "é".repeat(512), "p", "--table").table()).hasSize(512);
    }

    @Test
    void aTableNameBigQueryRefusesADatasetWithAHyphenOrAProjectWithASlashIsInvalidInput() {
        assertThatThrownBy(() -> BigQueryRestore.table("analytics.a$b", "p", "--table"))
                .hasMessage("--table 'analytics.a$b': a table name is letters, marks, numbers, dashes, spaces and "
                        + "connectors such as _ (in any script)");
        assertThatThrownBy(() -> BigQueryRestore.table("analytics." + "é".repeat(513), "p", "--table"))
                .hasMessageEndingWith(": a table name is at most 1024 bytes in UTF-8, not 1026");
        assertThatThrownBy(() -> BigQueryRestore.table("my-data.t", "p", "--table"))
                .hasMessage("--table 'my-data.t': a dataset name is letters, digits and underscores");
        assertThatThrownBy(() -> BigQueryRestore.table("a/b:analytics.t", "p", "--table"))
                .hasMessage("--table 'a/b:analytics.t': 'a/b' is not a valid project name");
    }

    @Test
    void inGoogleSqlEachPartOfTheTablePathIsQuotedAndEscaped() {
        assertThat(new TableRef("example.com:proj", "analytics", "command executions").sql())
                .isEqualTo("`example.com:proj`.`analytics`.`command executions`");
        assertThat(new TableRef("my-project", "analytics", "t").sql()).isEqualTo("`my-project`.`analytics`.`t`");
        assertThat(TableRef.quote("a`b\\c")).isEqualTo("`a\\`b\\\\c`");
        assertThat(new TableRef("p", "d", "plain_1").sqlName()).isEqualTo("plain_1");
        assertThat(new TableRef("p", "d", "1st").sqlName()).isEqualTo("`1st`");
    }

    @Test
    void aLongNameInAnyScriptGetsASnapshotNameWithin1024BytesAndAsciiJobIds() {
        String table = "é".repeat(511) + "x";
        TableRef ref = new TableRef("p", "analytics", table);
        BigQueryRestore restore = BigQueryRestore.prepare(new BigQueryRestore.Request("restore", "analytics." + table,
                "-1h", null, "p"), new ReadOnlyTables(ref), NOW);

        String snapshot = restore.before().snapshot();
        String snapshotTable = snapshot.substring(snapshot.lastIndexOf('.') + 1);
        assertThat(snapshotTable.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(1024 - 3);
        assertThat(snapshotTable).matches("é+_pre_restore_20261201T100000Z");
        for (String job : List.of(restore.before().snapshotJob(),
                restore.asked().restoreJob())) {
            assertThat(job).hasSizeLessThanOrEqualTo(1024).matches("rollback_[0-9a-f]{8}_analytics__+_pre_restore_"
                    + "20261201T100000Z_(1_snapshot|2_restore)");
        }
    }

    @Test
    void tablesWhoseNamesDifferOnlyInCharactersAJobIdCannotHoldGetDifferentJobIds() {
        String spaced = BigQueryRestore.jobPrefix(new TableRef("p", "analytics", "daily totals_pre_restore_20261201T100000Z"));
        String dashed = BigQueryRestore.jobPrefix(new TableRef("p", "analytics", "daily-totals_pre_restore_20261201T100000Z"));
        String plain = BigQueryRestore.jobPrefix(new TableRef("p", "analytics", "daily_totals_pre_restore_20261201T100000Z"));
        assertThat(plain).isEqualTo("rollback_analytics_daily_totals_pre_restore_20261201T100000Z");
        assertThat(dashed).isEqualTo("rollback_analytics_daily-totals_pre_restore_20261201T100000Z");
        assertThat(spaced).matches("rollback_[0-9a-f]{8}_analytics_daily_totals_pre_restore_20261201T100000Z")
                .isNotEqualTo(plain);
    }

    @Test
    void aTableSpecWithoutADatasetIsInvalidInput() {
        assertThatThrownBy(() -> BigQueryRestore.table("example.com:proj:t", null, "--table"))
                .isInstanceOfSatisfying(RunbookException.class, e ->
                        assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
    }

    @Test
    void aTableAndDatasetOf1000CharactersGetASnapshotNameAndJobIdsWithinBigQuerysLimitOf1024() {
        String dataset = "d".repeat(1000);
        String table = "t".repeat(1000);
        TableRef ref = new TableRef("p", dataset, table);
        BigQueryRestore restore = BigQueryRestore.prepare(new BigQueryRestore.Request("restore", dataset + "." + table,
                "-1h", null, "p"), new ReadOnlyTables(ref), NOW);

        String snapshot = restore.before().snapshot();
        String snapshotTable = snapshot.substring(snapshot.lastIndexOf('.') + 1);
        assertThat(snapshotTable).hasSizeLessThanOrEqualTo(1024).endsWith("_pre_restore_20261201T100000Z");
        for (String job : List.of(restore.before().snapshotJob(),
                restore.asked().restoreJob())) {
            assertThat(job).hasSizeLessThanOrEqualTo(1024).matches("[A-Za-z0-9_-]+")
                    .contains("_pre_restore_20261201T100000Z");
        }
    }

    @Test
    void aShortTableKeepsItsReadableJobIds() {
        TableRef ref = new TableRef("p", "analytics", "t");
        BigQueryRestore restore = BigQueryRestore.prepare(new BigQueryRestore.Request("restore", "analytics.t", "-1h",
                null, "p"), new ReadOnlyTables(ref), NOW);

        assertThat(restore.before().snapshotJob())
                .isEqualTo("rollback_analytics_t_pre_restore_20261201T100000Z_1_snapshot");
    }

    @Test
    void aSnapshotJobStillRunningWhenItsWaitRanOutIsJournaledAsBeingTakenNotAsNotTaken() {
        TableRef ref = new TableRef("p", "analytics", "t");
        BigQueryRestore restore = BigQueryRestore.prepare(new BigQueryRestore.Request("restore", "analytics.t", "-1h",
                null, "p"), new SlowSnapshot(ref), NOW);
        String snapshotJob = restore.before().snapshotJob();

        assertThatThrownBy(() -> restore.apply(Duration.ofSeconds(1), Progress.NONE)).isInstanceOf(RunbookException.class);
        Change.Truth<BigQueryRestore.BigQueryState> truth = restore.truth(Duration.ofSeconds(1));

        assertThat(truth.sent()).isFalse();
        assertThat(truth.now().snapshot()).isEqualTo("being taken by job " + snapshotJob);
        assertThat(truth.leftBehind()).isNull();
        assertThat(truth.aside()).contains("is still being taken by job " + snapshotJob);
    }

    /** The snapshot job is sent and still runs when its wait runs out; nothing else is ever sent. */
    private static final class SlowSnapshot extends ReadOnlyTables {
        SlowSnapshot(TableRef ref) {
            super(ref);
        }

        @Override
        public Optional<JobState> job(String project, String location, String jobId) {
            return jobId.endsWith("_1_snapshot") ? Optional.of(new JobState(jobId, false, null)) : Optional.empty();
        }

        @Override
        public JobState snapshot(TableRef source, TableRef snapshot, String jobId, Duration limit, Progress progress) {
            throw new RunbookException(ExitCode.API_FAILURE, "BigQuery: job " + jobId + " did not finish");
        }
    }

    /** One dataset (7 days of time travel) holding one plain table of 10 rows; nothing else exists. */
    private static class ReadOnlyTables implements BigQueryTables {
        final TableRef ref;

        ReadOnlyTables(TableRef ref) {
            this.ref = ref;
        }

        @Override
        public Optional<Dataset> dataset(String project, String dataset) {
            return dataset.equals(ref.dataset()) ? Optional.of(new Dataset(project, dataset, 168, "US", null)) : Optional.empty();
        }

        @Override
        public Optional<TableInfo> table(TableRef r) {
            return r.equals(ref) ? Optional.of(new TableInfo(ref, "TABLE", null, List.of(), NOW.minus(Duration
                    .ofDays(30)), 10, null, null, NOW.minus(Duration.ofMinutes(1)), false)) : Optional.empty();
        }

        @Override
        public long rows(TableRef r, Optional<Instant> at) {
            return 10;
        }

        @Override
        public Optional<JobState> job(String project, String location, String jobId) {
            return Optional.empty();
        }

        @Override
        public JobState snapshot(TableRef source, TableRef snapshot, String jobId, Duration limit, Progress progress) {
            throw new AssertionError("not in this test");
        }

        @Override
        public JobState restoreFromHistory(TableRef table, Instant at, boolean keepLayout, String jobId, Duration limit,
                                           Progress progress) {
            throw new AssertionError("not in this test");
        }

        @Override
        public JobState restoreFromSnapshot(TableRef snapshot, TableRef table, String jobId, Duration limit,
                                            Progress progress) {
            throw new AssertionError("not in this test");
        }
    }
}

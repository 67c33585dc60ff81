package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.BigQueryTables.TableRef;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real BigQuery client against the sandbox's BigQuery REST emulator: the semantics a restore relies on. */
class BigQueryTableStoreTest {
    private static final TableRef EXECUTIONS = new TableRef(Sandbox.PROJECT, "analytics", "command_executions");
    private static final TableRef TOTALS = new TableRef(Sandbox.PROJECT, "analytics", "daily_totals");
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private Sandbox sandbox;
    private GcpClients clients;
    private BigQueryTableStore bq;
    private SandboxControls controls;

    @BeforeEach
    void start() {
        sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(50)));
        clients = new GcpClients(sandbox.emulatorVariables());
        // Polls are real-time here (the job delay is real time): a short wait on the system clock.
        bq = new BigQueryTableStore(clients, new Wait(Clock.systemUTC(), d -> Thread.sleep(d.toMillis())));
        controls = new SandboxControls(sandbox);
    }

    @AfterEach
    void stop() {
        clients.close();
        sandbox.close();
    }

    @Test
    void datasetsTablesAndCountsReadAsSeededWithTimeTravelThroughForSystemTimeAsOf() {
        assertThat(bq.dataset(Sandbox.PROJECT, "analytics").orElseThrow().maxTimeTravelHours()).isEqualTo(168);
        assertThat(bq.dataset(Sandbox.PROJECT, "nope")).isEmpty();
        BigQueryTables.TableInfo t = bq.table(EXECUTIONS).orElseThrow();
        assertThat(t.type()).isEqualTo("TABLE");
        assertThat(t.partitioning()).isEqualTo("executed_at");
        assertThat(t.clustering()).containsExactly("command");
        assertThat(t.rows()).isEqualTo(7_080);
        assertThat(bq.table(TOTALS).orElseThrow().partitionedOrClustered()).isFalse();
        assertThat(bq.table(EXECUTIONS.sibling("missing"))).isEmpty();
        Instant now = Instant.now();
        assertThat(bq.rows(EXECUTIONS, Optional.empty())).isEqualTo(7_080);
        assertThat(bq.rows(EXECUTIONS, Optional.of(now.minus(Duration.ofHours(2))))).isEqualTo(11_200);
        assertThat(bq.rows(EXECUTIONS, Optional.of(now.minus(Duration.ofDays(5))))).isEqualTo(10_000);
        // The fast path: counts are POST .../queries, answered at once; no job is polled.
        assertThat(controls.bigQueryRequests()).contains("POST /bigquery/v2/projects/virtuoso-sandbox/queries")
                .noneMatch(r -> r.contains("/jobs"));
        assertThat(controls.bigQueryMutations()).isZero();
    }

    @Test
    void aDatasetWithoutMaxTimeTravelHoursHasTheDefaultWindowOf168HoursAndAShorterOneIsHonoured() {
        controls.bigQueryDataset("unset", 0, 3);
        controls.bigQueryDataset("short", 48, 3);
        assertThat(bq.dataset(Sandbox.PROJECT, "unset").orElseThrow().maxTimeTravelHours()).isEqualTo(168);
        assertThat(bq.dataset(Sandbox.PROJECT, "short").orElseThrow().maxTimeTravelHours()).isEqualTo(48);
        TableRef t = new TableRef(Sandbox.PROJECT, "short", "t");
        assertThat(bq.rows(t, Optional.of(Instant.now().minus(Duration.ofHours(47))))).isEqualTo(3);
        assertThatThrownBy(() -> bq.rows(t, Optional.of(Instant.now().minus(Duration.ofHours(49)))))
                .hasMessageContaining("Invalid snapshot time").hasMessageContaining("48 hours");
    }

    @Test
    void aTimeOutsideTheWindowIsInvalidSnapshotTimeAndExit2() {
        assertThatThrownBy(() -> bq.rows(EXECUTIONS, Optional.of(Instant.ofEpochMilli(1690234800000L))))
                .isInstanceOf(RunbookException.class).hasMessageContaining("Invalid snapshot time 1690234800000")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
    }

    @Test
    void aCopyFromHistoryRestoresThePlainTableWithWriteTruncate() {
        Instant then = Instant.now().minus(Duration.ofHours(2));
        assertThat(bq.restoreFromHistory(TOTALS, then, false, "j1", LIMIT, Progress.NONE).succeeded()).isTrue();
        assertThat(controls.bigQueryRows("analytics", "daily_totals")).hasSize(30).noneMatch(r -> r.endsWith("=0"));
        assertThat(controls.bigQueryRequests()).contains("POST /bigquery/v2/projects/virtuoso-sandbox/jobs");
        assertThat(bq.job(Sandbox.PROJECT, "US", "j1").orElseThrow().succeeded()).isTrue();
        assertThat(controls.bigQueryMutations()).isEqualTo(1);
    }

    @Test
    void aCopyFromHistoryDropsPartitioningButTheTransactionKeepsIt() {
        Instant then = Instant.now().minus(Duration.ofHours(2));
        bq.restoreFromHistory(EXECUTIONS, then, true, "tx", LIMIT, Progress.NONE);
        assertThat(controls.bigQueryLayout("analytics", "command_executions")).isEqualTo("TABLE executed_at [command]");
        assertThat(controls.bigQueryRows("analytics", "command_executions")).hasSize(11_200);
        bq.restoreFromHistory(EXECUTIONS, then, false, "copy", LIMIT, Progress.NONE);
        assertThat(controls.bigQueryLayout("analytics", "command_executions")).isEqualTo("TABLE null []");
    }

    @Test
    void aSnapshotOutlivesTheTableAndRestoresItWithOperationTypeRestore() {
        TableRef snap = TOTALS.sibling("daily_totals_snap");
        bq.snapshot(TOTALS, snap, "s1", LIMIT, Progress.NONE);
        BigQueryTables.TableInfo s = bq.table(snap).orElseThrow();
        assertThat(s.snapshot()).isTrue();
        assertThat(s.baseTable()).isEqualTo(TOTALS.toString());
        assertThat(bq.rows(snap, Optional.empty())).isEqualTo(32);
        bq.restoreFromHistory(TOTALS, Instant.now().minus(Duration.ofHours(2)), false, "r1", LIMIT, Progress.NONE);
        assertThat(bq.rows(TOTALS, Optional.empty())).isEqualTo(30);
        bq.restoreFromSnapshot(snap, TOTALS, "r2", LIMIT, Progress.NONE);
        assertThat(bq.rows(TOTALS, Optional.empty())).isEqualTo(32);
        assertThat(controls.bigQueryMutations()).isEqualTo(3);
    }

    @Test
    void aFailedJobIsExit4AndAJobStillRunningIsFollowedUntilDone() {
        assertThatThrownBy(() -> bq.restoreFromHistory(TOTALS, Instant.ofEpochMilli(1690234800000L), false, "old",
                LIMIT, Progress.NONE)).isInstanceOf(RunbookException.class)
                .hasMessageContaining("job old").hasMessageContaining("Invalid snapshot time")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.API_FAILURE));
        controls.setBigQueryJobDelay(Duration.ofMillis(400));
        StringBuilder seen = new StringBuilder();
        bq.snapshot(TOTALS, TOTALS.sibling("later"), "slow", LIMIT, new Progress() {
            @Override
            public void update(String message) {
                seen.append(message).append('\n');
            }

            @Override
            public void done(String message) {
                seen.append(message).append('\n');
            }
        });
        assertThat(seen.toString()).contains("waiting for BigQuery to snapshot").contains("done (job slow)");
        assertThat(controls.bigQueryRequests()).contains("GET /bigquery/v2/projects/virtuoso-sandbox/jobs/slow");
    }

    @Test
    void googleSqlWithADecoratorIsRefused() {
        // What the written runbook does; the emulator refuses it as BigQuery does.
        var client = clients.bigQuery(Sandbox.PROJECT);
        assertThatThrownBy(() -> client.query(com.google.cloud.bigquery.QueryJobConfiguration.newBuilder(
                "CREATE OR REPLACE TABLE analytics.daily_totals AS SELECT * FROM analytics.daily_totals@1690234800000")
                .build())).hasMessageContaining("decorators");
        assertThat(controls.bigQueryRows("analytics", "daily_totals")).hasSize(32);
    }

    @Test
    void aJobInASingleRegionDatasetIsFoundWithItsLocationOnly() {
        controls.bigQueryDataset("eu_data", 168, 3);
        controls.bigQueryLocation("eu_data", "europe-west1");
        TableRef t = new TableRef(Sandbox.PROJECT, "eu_data", "t");
        assertThat(bq.dataset(Sandbox.PROJECT, "eu_data").orElseThrow().location()).isEqualTo("europe-west1");

        assertThat(bq.snapshot(t, t.sibling("t_copy"), "eu_job", LIMIT, Progress.NONE).succeeded()).isTrue();

        assertThat(bq.job(Sandbox.PROJECT, "europe-west1", "eu_job")).isPresent();
        assertThat(bq.job(Sandbox.PROJECT, "US", "eu_job")).isEmpty();
    }

    @Test
    void namesWithSpacesUnicodeAndADomainScopedProjectGoThroughTheRestPathsAndQueries() {
        controls.bigQueryTableLike("analytics", "command_executions", "exécutions des commandes");
        controls.bigQueryTableInProject("example.com:virtuoso", "analytics", "daily_totals", "daily-totals");
        TableRef spaced = EXECUTIONS.sibling("exécutions des commandes");
        TableRef scoped = new TableRef("example.com:virtuoso", "analytics", "daily-totals");

        assertThat(bq.table(spaced).orElseThrow().rows()).isEqualTo(7_080);
        assertThat(bq.rows(spaced, Optional.of(Instant.now().minus(Duration.ofHours(2))))).isEqualTo(11_200);
        assertThat(bq.table(scoped).orElseThrow().rows()).isEqualTo(32);
        assertThat(bq.rows(scoped, Optional.empty())).isEqualTo(32);
        bq.restoreFromHistory(spaced, Instant.now().minus(Duration.ofHours(2)), true, "restore_spaced", LIMIT, Progress.NONE);
        assertThat(controls.bigQueryRows("analytics", "exécutions des commandes")).hasSize(11_200);
        assertThat(controls.bigQueryStatements()).contains(
                "SELECT COUNT(*) FROM `example.com:virtuoso`.`analytics`.`daily-totals`");
    }

    @Test
    void theSandboxRefusesATableNameAndAJobIdBigQueryWouldRefuse() {
        assertThatThrownBy(() -> bq.snapshot(TOTALS, TOTALS.sibling("daily$totals"), "snap_1", LIMIT, Progress.NONE))
                .hasMessageContaining("Invalid table ID \"daily$totals\"");
        assertThatThrownBy(() -> bq.snapshot(TOTALS, TOTALS.sibling("x".repeat(1025)), "snap_2", LIMIT, Progress.NONE))
                .hasMessageContaining("Invalid table ID");
        assertThatThrownBy(() -> bq.snapshot(TOTALS, TOTALS.sibling("daily_totals_snap"), "snap 3", LIMIT,
                Progress.NONE)).hasMessageContaining("Invalid job ID \"snap 3\"");
        assertThat(controls.bigQueryTables("analytics")).containsExactly("command_executions", "daily_totals");
    }
}

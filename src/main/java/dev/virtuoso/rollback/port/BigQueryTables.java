package dev.virtuoso.rollback.port;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Port: BigQuery tables, their time-travel history and snapshots. Jobs (copies, the restore
 * transaction) are long-running: the mutating methods send one under a job id chosen by the caller
 * (so a re-read can find it) and wait for it, at most {@code limit}, telling {@code progress}.
 */
public interface BigQueryTables {
    /** Time travel reaches this far back when a dataset does not say ({@code maxTimeTravelHours} unset). */
    long DEFAULT_TIME_TRAVEL_HOURS = 168;

    /** {@code project.dataset.table}. */
    record TableRef(String project, String dataset, String table) {
        /**
         * As GoogleSQL names it, each part quoted on its own: {@code `my-project`.`analytics`.`command
         * executions`}. A hyphenated or domain-scoped project ({@code example.com:proj}) and a table
         * name with hyphens, spaces or letters beyond ASCII are no identifiers without the quotes.
         */
        public String sql() {
            return quote(project) + "." + quote(dataset) + "." + quote(table);
        }

        /** The table's own name in a statement shown to people: bare when GoogleSQL takes it so, else quoted. */
        public String sqlName() {
            return table.matches("[A-Za-z_][A-Za-z0-9_]*") ? table : quote(table);
        }

        /**
         * One GoogleSQL quoted identifier. A quoted identifier takes the escapes of a string literal:
         * no name BigQuery allows holds a backquote or a backslash, but none goes out unescaped.
         */
        public static String quote(String name) {
            return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
        }

        /** For people: {@code dataset.table}. */
        public String shortName() {
            return dataset + "." + table;
        }

        public TableRef sibling(String name) {
            return new TableRef(project, dataset, name);
        }

        @Override
        public String toString() {
            return project + "." + dataset + "." + table;
        }
    }

    /**
     * A dataset: how far back its time travel reaches, where it lives (its jobs run there), and the
     * expiration of new tables, snapshots included (null: none).
     */
    record Dataset(String project, String name, long maxTimeTravelHours, String location, Duration tableExpiration) {
        public Duration window() {
            return Duration.ofHours(maxTimeTravelHours);
        }
    }

    /**
     * A table as read: {@code type} TABLE, SNAPSHOT, VIEW…; its day or range partitioning field
     * (or "_PARTITIONTIME"), clustering fields, creation time, row count, for a snapshot its base
     * table and time, when its data or metadata last changed, and whether its queries and DML need a
     * filter on the partitioning column ({@code requirePartitionFilter}).
     */
    record TableInfo(TableRef ref, String type, String partitioning, List<String> clustering, Instant created,
                     long rows, String baseTable, Instant snapshotTime, Instant modified,
                     boolean requirePartitionFilter) {
        public boolean partitionedOrClustered() {
            return partitioning != null || !clustering.isEmpty();
        }

        public boolean snapshot() {
            return "SNAPSHOT".equals(type);
        }

        /** "partitioned by executed_at, clustered by command", or "plain". */
        public String layout() {
            String p = partitioning == null ? null : "partitioned by " + partitioning;
            String c = clustering.isEmpty() ? null : "clustered by " + String.join(", ", clustering);
            return p == null && c == null ? "plain (not partitioned or clustered)"
                    : p == null ? c : c == null ? p : p + ", " + c;
        }
    }

    /** A job as read: done or not, and why it failed (null when it did not). */
    record JobState(String id, boolean done, String error) {
        public boolean succeeded() {
            return done && error == null;
        }
    }

    @ReadOnly
    Optional<Dataset> dataset(String project, String dataset);

    @ReadOnly
    Optional<TableInfo> table(TableRef ref);

    /** {@code SELECT COUNT(*)} now, or {@code FOR SYSTEM_TIME AS OF} {@code at}. */
    @ReadOnly
    long rows(TableRef ref, Optional<Instant> at);

    /**
     * A job of {@code project} in {@code location} by id, if BigQuery knows it: a job in a single region
     * (europe-west1) is found only with its location.
     */
    @ReadOnly
    Optional<JobState> job(String project, String location, String jobId);

    /** A table snapshot of {@code source} as {@code snapshot} (a copy job, operationType SNAPSHOT). */
    @Mutating
    JobState snapshot(TableRef source, TableRef snapshot, String jobId, Duration limit, Progress progress);

    /**
     * {@code table} as it was at {@code at}: a copy job from {@code table@millis} with WRITE_TRUNCATE
     * ({@code keepLayout} false), or — keeping partitioning and clustering, which a copy from history
     * drops — one transaction deleting every row and inserting those {@code FOR SYSTEM_TIME AS OF}.
     */
    @Mutating
    JobState restoreFromHistory(TableRef table, Instant at, boolean keepLayout, String jobId, Duration limit,
                                Progress progress);

    /** {@code table} replaced by the snapshot (a copy job, operationType RESTORE, WRITE_TRUNCATE). */
    @Mutating
    JobState restoreFromSnapshot(TableRef snapshot, TableRef table, String jobId, Duration limit, Progress progress);
}

package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.CopyJobConfiguration;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobConfiguration;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatus;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.SnapshotTableDefinition;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableResult;
import com.google.cloud.bigquery.TimePartitioning;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.Progress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@link BigQueryTables} over the official {@code google-cloud-bigquery} client. Jobs are sent under
 * the caller's job id and followed with {@code jobs.get} through {@link Wait} (the client's own
 * {@code waitFor} sleeps on the wall clock); counts go through {@code query()}, which takes the
 * {@code POST .../queries} fast path and answers at once for a query that finishes quickly.
 */
public final class BigQueryTableStore implements BigQueryTables {
    private static final String API = "BigQuery";
    private static final Wait.Backoff POLL = new Wait.Backoff(Duration.ofMillis(100), 1.5, Duration.ofSeconds(5));

    private final GcpClients clients;
    private final Wait wait;

    public BigQueryTableStore(GcpClients clients, Wait wait) {
        this.clients = clients;
        this.wait = wait;
    }

    @Override
    public Optional<BigQueryTables.Dataset> dataset(String project, String dataset) {
        try {
            com.google.cloud.bigquery.Dataset d = clients.bigQuery(project).getDataset(DatasetId.of(project, dataset));
            if (d == null) {
                return Optional.empty();
            }
            Long hours = d.getMaxTimeTravelHours();
            return Optional.of(new BigQueryTables.Dataset(project, dataset, hours == null ? DEFAULT_TIME_TRAVEL_HOURS
                    : hours, d.getLocation(), d.getDefaultTableLifetime() == null ? null
                    : Duration.ofMillis(d.getDefaultTableLifetime())));
        } catch (BigQueryException e) {
            throw translate("dataset " + project + "." + dataset, e);
        }
    }

    @Override
    public Optional<TableInfo> table(TableRef ref) {
        try {
            Table t = clients.bigQuery(ref.project()).getTable(id(ref));
            return t == null ? Optional.empty() : Optional.of(info(ref, t));
        } catch (BigQueryException e) {
            throw translate("table " + ref, e);
        }
    }

    private static TableInfo info(TableRef ref, Table t) {
        TableDefinition def = t.getDefinition();
        String partitioning = null;
        List<String> clustering = List.of();
        String base = null;
        Instant snapshotTime = null;
        // The table's option; older tables carry it in their time partitioning.
        boolean requireFilter = Boolean.TRUE.equals(t.getRequirePartitionFilter());
        if (def instanceof StandardTableDefinition s) {
            TimePartitioning p = s.getTimePartitioning();
            requireFilter |= p != null && Boolean.TRUE.equals(p.getRequirePartitionFilter());
            if (p != null) {
                partitioning = p.getField() != null ? p.getField() : "_PARTITIONTIME";
            } else if (s.getRangePartitioning() != null) {
                partitioning = s.getRangePartitioning().getField();
            }
            Clustering c = s.getClustering();
            if (c != null && c.getFields() != null) {
                clustering = List.copyOf(c.getFields());
            }
        } else if (def instanceof SnapshotTableDefinition s) {
            TableId b = s.getBaseTableId();
            base = b == null ? null : b.getProject() + "." + b.getDataset() + "." + b.getTable();
            snapshotTime = s.getSnapshotTime() == null ? null : Instant.parse(s.getSnapshotTime());
            partitioning = s.getTimePartitioning() == null ? null : "partitioned";
        }
        long rows = t.getNumRows() == null ? 0 : t.getNumRows().longValue();
        Instant created = t.getCreationTime() == null ? null : Instant.ofEpochMilli(t.getCreationTime());
        Instant modified = t.getLastModifiedTime() == null ? null : Instant.ofEpochMilli(t.getLastModifiedTime());
        return new TableInfo(ref, def.getType().name(), partitioning, clustering, created, rows, base, snapshotTime,
                modified, requireFilter);
    }

    @Override
    public long rows(TableRef ref, Optional<Instant> at) {
        String sql = countSql(ref, at);
        try {
            TableResult r = clients.bigQuery(ref.project()).query(QueryJobConfiguration.newBuilder(sql)
                    .setUseLegacySql(false).build());
            for (FieldValueList row : r.iterateAll()) {
                return row.get(0).getLongValue();
            }
            throw new RunbookException(ExitCode.API_FAILURE, "BigQuery: " + sql + " returned no row");
        } catch (BigQueryException e) {
            throw translate("table " + ref, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Wait.interrupted("counting the rows of " + ref);
        }
    }

    /** The rows of {@code ref} now, or at {@code at}: decorators (t@millis) are not GoogleSQL, FOR SYSTEM_TIME AS OF is. */
    static String countSql(TableRef ref, Optional<Instant> at) {
        return "SELECT COUNT(*) FROM " + ref.sql() + at.map(t -> " FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS("
                + t.toEpochMilli() + ")").orElse("");
    }

    /**
     * {@code table} put back as it was at {@code at} in one multi-statement query: both statements
     * commit together or not at all, and DML keeps the table (partitioning, clustering,
     * descriptions, policies) as it is.
     */
    static String restoreInPlaceSql(TableRef table, Instant at) {
        return "BEGIN TRANSACTION; DELETE FROM " + table.sql() + " WHERE TRUE; INSERT INTO " + table.sql()
                + " SELECT * FROM " + table.sql() + " FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + at.toEpochMilli()
                + "); COMMIT TRANSACTION;";
    }

    @Override
    public Optional<JobState> job(String project, String location, String jobId) {
        try {
            // jobs.get without the location finds a job only in the US and EU multi-regions.
            Job j = clients.bigQuery(project).getJob(JobId.newBuilder().setProject(project).setLocation(location)
                    .setJob(jobId).build());
            return j == null ? Optional.empty() : Optional.of(state(jobId, j));
        } catch (BigQueryException e) {
            throw translate("job " + project + ":" + jobId, e);
        }
    }

    private static JobState state(String id, Job j) {
        JobStatus s = j.getStatus();
        boolean done = s != null && s.getState() == JobStatus.State.DONE;
        BigQueryError error = s == null ? null : s.getError();
        return new JobState(id, done, error == null ? null : error.getMessage());
    }

    @Override
    public JobState snapshot(TableRef source, TableRef snapshot, String jobId, Duration limit, Progress progress) {
        return run(source.project(), jobId, CopyJobConfiguration.newBuilder(id(snapshot), id(source))
                .setOperationType("SNAPSHOT").setWriteDisposition(JobInfo.WriteDisposition.WRITE_EMPTY).build(),
                "snapshot " + source + " as " + snapshot.table(), limit, progress);
    }

    @Override
    public JobState restoreFromHistory(TableRef table, Instant at, boolean keepLayout, String jobId, Duration limit,
                                       Progress progress) {
        JobConfiguration config;
        if (keepLayout) {
            config = QueryJobConfiguration.newBuilder(restoreInPlaceSql(table, at)).setUseLegacySql(false).build();
        } else {
            // The decorator is part of the source table id: only copy jobs (and legacy SQL) read it. '@' is
            // in no table name, so it cannot be mistaken for part of one.
            config = CopyJobConfiguration.newBuilder(id(table), TableId.of(table.project(), table.dataset(),
                    table.table() + "@" + at.toEpochMilli())).setWriteDisposition(JobInfo.WriteDisposition.WRITE_TRUNCATE)
                    .setCreateDisposition(JobInfo.CreateDisposition.CREATE_NEVER).build();
        }
        return run(table.project(), jobId, config, "restore " + table + " as of " + at, limit, progress);
    }

    @Override
    public JobState restoreFromSnapshot(TableRef snapshot, TableRef table, String jobId, Duration limit,
                                        Progress progress) {
        return run(table.project(), jobId, CopyJobConfiguration.newBuilder(id(table), id(snapshot))
                .setOperationType("RESTORE").setWriteDisposition(JobInfo.WriteDisposition.WRITE_TRUNCATE).build(),
                "restore " + table + " from " + snapshot.table(), limit, progress);
    }

    /** Sends the job under {@code jobId} and follows it until done or {@code limit}; a failed job is exit 4. */
    private JobState run(String project, String jobId, JobConfiguration config, String what, Duration limit,
                         Progress progress) {
        BigQuery bq = clients.bigQuery(project);
        Instant start = wait.clock().instant();
        Job sent;
        try {
            sent = bq.create(JobInfo.of(JobId.of(project, jobId), config));
        } catch (BigQueryException e) {
            // Every input was checked before: a job refused now is the API's failure (or a conflict), not bad input.
            RunbookException r = translate("job " + jobId + " (" + what + ")", e);
            throw r.exitCode() == ExitCode.INVALID_INPUT ? new RunbookException(ExitCode.API_FAILURE, r.getMessage(), e)
                    : r;
        }
        JobState state = state(jobId, sent);
        if (!state.done()) {
            String doing = "waiting for BigQuery to " + what + " (job " + jobId + ")";
            // The answer's job id carries the job's location, without which a regional job is not found.
            JobId polled = sent.getJobId();
            state = wait.until(() -> poll(bq, polled), JobState::done, POLL,
                    start.plus(limit), doing, waited -> progress.update(doing + ", " + waited.toSeconds() + "s"));
        }
        if (!state.done()) {
            throw new RunbookException(ExitCode.API_FAILURE, "BigQuery: job " + jobId + " (" + what + ") did not "
                    + "finish within " + limit.toSeconds() + "s; it goes on in BigQuery");
        }
        if (state.error() != null) {
            throw new RunbookException(ExitCode.API_FAILURE, "BigQuery: job " + jobId + " (" + what + ") failed: "
                    + state.error());
        }
        progress.done("BigQuery: " + what + ": done (job " + jobId + ")");
        return state;
    }

    private static JobState poll(BigQuery bq, JobId id) {
        try {
            Job j = bq.getJob(id);
            return j == null ? new JobState(id.getJob(), false, null) : state(id.getJob(), j);
        } catch (BigQueryException e) {
            throw translate("job " + id.getProject() + ":" + id.getJob(), e);
        }
    }

    private static TableId id(TableRef ref) {
        return TableId.of(ref.project(), ref.dataset(), ref.table());
    }

    /** HTTP status → exit code, as GcpErrors does for gRPC: a bad name or argument is the user's input. */
    static RunbookException translate(String resource, BigQueryException e) {
        int code = e.getCode();
        String message = GcpErrors.firstLine(e.getMessage());
        ExitCode exit = switch (code) {
            case 400, 404 -> ExitCode.INVALID_INPUT;
            case 409, 412 -> ExitCode.CONFLICT;
            default -> ExitCode.API_FAILURE;
        };
        String what = switch (code) {
            case 404 -> "not found:";
            case 400 -> "rejected";
            case 401 -> "not authenticated for";
            case 403 -> "permission denied on";
            case 409 -> "conflict on";
            default -> "failed on";
        };
        return new RunbookException(exit, API + ": " + what + " " + resource + ": " + message, e);
    }
}

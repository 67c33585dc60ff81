package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.restore.bigquery.BigQueryRestore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bigquery", description = {
    "Restore a BigQuery table to an earlier time (or from a table snapshot), snapshotting it first.",
    "",
    "What it does, in order:",
    "  0. checks, before anything runs (exit 2, nothing changed): the table and its dataset exist; --at is not in "
        + "the future, not before the table was created, and inside the dataset's time-travel window "
        + "(maxTimeTravelHours, 168 when unset) with 5 minutes to spare, because the restore job starts a little "
        + "later; or the --from-snapshot table is a table snapshot. It shows the plan with the rows now and at the "
        + "target, and on a terminal asks you to type DATASET.TABLE.",
    "  1. snapshots the table as it is (<table>_pre_restore_<UTC time>, a copy job with operationType SNAPSHOT), "
        + "so `rollback undo` can put it back; the name is in the journal before the job starts.",
    "  2. restores it: a plain table by a copy job from <table>@<millis> with WRITE_TRUNCATE; a partitioned or "
        + "clustered table by one transaction (DELETE every row, INSERT the rows FOR SYSTEM_TIME AS OF the time), "
        + "because a copy from history drops partitioning and clustering; from a snapshot by a copy job with "
        + "operationType RESTORE and WRITE_TRUNCATE.",
    "  3. counts the rows after the restore: a count other than the one at the target is a failed check "
        + "(exit 3) unless --no-verify.",
    "",
    "Traps of the written runbook it avoids: `CREATE OR REPLACE TABLE t AS SELECT * FROM t@1690234800000` is not "
        + "GoogleSQL (decorators work only in copy jobs); that timestamp is years outside the 2-7 day time-travel "
        + "window (\"Invalid snapshot time\"); and CREATE OR REPLACE ... AS SELECT would drop partitioning, "
        + "clustering and table options anyway. Older data than the window is only in a table snapshot."},
        footer = {"", "Examples:",
            "  rollback restore bigquery --table analytics.command_executions --at -2h",
            "  rollback restore bigquery --table analytics.daily_totals \\",
            "      --at 2026-12-01T08:00:00Z --yes",
            "  rollback restore bigquery --table my-project:analytics.daily_totals \\",
            "      --at 1764576000000",
            "  rollback restore bigquery --table 'analytics.command executions' --at -1d12h",
            "  rollback restore bigquery --table analytics.daily_totals \\",
            "      --from-snapshot daily_totals_pre_restore_20261201T100000Z",
            "  rollback undo    # restores the table from the snapshot of step 1"})
final class RestoreBigQueryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--table", paramLabel = "DATASET.TABLE", required = true,
            description = "Table to restore: DATASET.TABLE (project: --project or the runbook's), PROJECT.DATASET.TABLE "
                    + "or PROJECT:DATASET.TABLE. A table name may hold what BigQuery allows (letters and numbers of any "
                    + "script, marks, dashes, spaces, _; up to 1024 bytes): quote it for the shell.")
    String table;

    @Option(names = "--at", paramLabel = "TIME", description = "Restore to this time: epoch millis (13 digits; "
            + "10 digits are seconds, refused), an ISO-8601 instant with Z or an offset (2026-12-01T08:00:00Z, "
            + "2026-12-01T09:00:00+01:00; a time without a zone is refused), or before now: - and a duration (-2h, "
            + "-30m, -1d12h). Must be inside the dataset's time-travel window.")
    String at;

    @Option(names = "--from-snapshot", paramLabel = "TABLE", description = "Restore from this table snapshot "
            + "instead (a name in the table's dataset, or DATASET.TABLE).")
    String fromSnapshot;

    @Option(names = "--no-verify", description = "Do not fail (exit 3) when the rows after the restore differ from "
            + "the rows at the target; the counts are still shown.")
    boolean noVerify;

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "30m", description = "How long to wait for the "
            + "snapshot and restore jobs together (default ${DEFAULT-VALUE}). A job goes on at Google after it: the "
            + "tool says so (exit 4) and journals what is true.")
    Duration timeout;

    @Override
    public Integer call() {
        Durations.positive("--timeout", timeout);
        Session s = Session.of(spec);
        String project = BigQueryRestore.namesProject(table) ? null : s.target().service().project();
        BigQueryRestore change = BigQueryRestore.prepare(new BigQueryRestore.Request(commandLine(), table, at,
                fromSnapshot, project), s.bigquery(), s.ctx.clock().instant()).unlessDone(s.journal().history());
        return ActionView.print(s.output(),
                s.pipeline().waitingAtMost(timeout).execute(change, Optional.empty(), !noVerify));
    }

    private String commandLine() {
        return "restore bigquery --table " + table + (at != null ? " --at " + at : " --from-snapshot " + fromSnapshot);
    }
}

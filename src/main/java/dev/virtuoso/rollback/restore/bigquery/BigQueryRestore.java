package dev.virtuoso.rollback.restore.bigquery;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Stamp;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.port.BigQueryTables.TableInfo;
import dev.virtuoso.rollback.port.BigQueryTables.TableRef;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.Progress;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A BigQuery table restored in place (the written runbook's "Service-Specific Rollbacks" done
 * right): step 1 a table snapshot of it as it is
 * ({@code <table>_pre_restore_<UTC time>}, named when planning so the journal holds it before
 * anything runs), step 2 the restore — to a time inside the dataset's time-travel window, or from
 * a table snapshot — step 3 the row counts before and after. A plain table is restored by a copy job
 * from {@code table@millis}; a partitioned or clustered one by one DELETE+INSERT transaction reading
 * {@code FOR SYSTEM_TIME AS OF}, because a copy from history drops partitioning and clustering.
 * Every input is checked by {@link #prepare} before anything runs. Its undo restores the table from
 * the step-1 snapshot, itself a restore that snapshots first.
 */
public final class BigQueryRestore implements Change<BigQueryRestore.BigQueryState> {
    public static final String KIND = "bigquery";
    /**
     * The restore job starts after the plan, the confirmation and the snapshot job: a time this close
     * to the window's start could slip out of it by then ("Invalid snapshot time").
     */
    public static final Duration WINDOW_MARGIN = Duration.ofMinutes(5);

    /**
     * What a BigQuery record holds: the table; before, the snapshot taken of it (and its job), its rows
     * and layout; asked, the path and what it restores from (a snapshot, or a time), the rows expected
     * and the restore's job id; once restored, the {@code source}, the rows before and after, the layout
     * and the table's last modification (how undo tells a later write); after an error, the job's
     * {@code state}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BigQueryState(String table, String path, String fromSnapshot, String at, Long atMillis, String source,
                                String snapshot, Long rows, Long rowsBefore, Long rowsAfter, Long rowsExpected,
                                String layout, String snapshotJob, String restoreJob, String state, String modified) {
        /** The table, its job and the snapshot, as read after an error. */
        static BigQueryState job(String table, String restoreJob, String state, String snapshot) {
            return new BigQueryState(table, null, null, null, null, null, snapshot, null, null, null, null, null, null,
                    restoreJob, state, null);
        }
    }
    /**
     * What a project id ({@code my-project}) or a domain-scoped one ({@code example.com:proj}) is made
     * of; whether it exists is BigQuery's to say. It goes into request paths, so no '/' or space.
     */
    private static final Pattern PROJECT = Pattern.compile("[a-z0-9][-a-z0-9.:]*");
    /** A dataset name: letters, digits and underscores, at most 1024 characters. */
    private static final Pattern DATASET = Pattern.compile("[A-Za-z0-9_]{1,1024}");
    /**
     * A table name: Unicode letters (L), marks (M), numbers (N), connectors such as _ (Pc), dashes (Pd)
     * and spaces (Zs), at most {@link #MAX_NAME} bytes in UTF-8. So no dot, colon, @ or backquote.
     */
    private static final Pattern TABLE = Pattern.compile("[\\p{L}\\p{M}\\p{N}\\p{Pc}\\p{Pd}\\p{Zs}]+");
    /** The partitioning of a table partitioned by ingestion time, as {@link TableInfo#partitioning()} names it. */
    static final String INGESTION_TIME = "_PARTITIONTIME";
    /** The longest table name and job id BigQuery takes. */
    static final int MAX_NAME = 1024;
    /** What a snapshot's name adds to the table's: {@code _pre_restore_<yyyyMMdd'T'HHmmss'Z'>} and {@code _NN}. */
    private static final int SNAPSHOT_SUFFIX = "_pre_restore_".length() + 16 + 3;

    /** How the table is put back. */
    public enum Path {
        /** A copy job from {@code table@millis}, WRITE_TRUNCATE: a plain table. */
        HISTORY_COPY("history-copy"),
        /** DELETE + INSERT … FOR SYSTEM_TIME AS OF in one transaction: keeps partitioning and clustering. */
        HISTORY_TRANSACTION("history-transaction"),
        /** A copy job from a table snapshot, operationType RESTORE, WRITE_TRUNCATE. */
        SNAPSHOT("snapshot");

        final String id;

        Path(String id) {
            this.id = id;
        }
    }

    /** What the command line asked: the table, and exactly one of a time or a snapshot. */
    public record Request(String command, String table, String at, String fromSnapshot, String defaultProject) {
    }

    private final String command;
    private final TableInfo table;
    private final Path path;
    private final Instant at;
    private final String atText;
    private final TableInfo source;
    private final TableRef preRestore;
    private final String snapshotJob;
    private final String restoreJob;
    private final long rowsNow;
    private final long rowsTarget;
    private final BigQueryTables.Dataset dataset;
    private final List<String> notes;
    private final BigQueryTables bq;
    private String unchanged;

    private BigQueryRestore(String command, TableInfo table, Path path, Instant at, String atText, TableInfo source,
                            TableRef preRestore, String jobPrefix, long rowsNow, long rowsTarget,
                            BigQueryTables.Dataset dataset, List<String> notes, BigQueryTables bq) {
        this.command = command;
        this.table = table;
        this.path = path;
        this.at = at;
        this.atText = atText;
        this.source = source;
        this.preRestore = preRestore;
        this.snapshotJob = jobPrefix + "_1_snapshot";
        this.restoreJob = jobPrefix + "_2_restore";
        this.rowsNow = rowsNow;
        this.rowsTarget = rowsTarget;
        this.dataset = dataset;
        this.notes = List.copyOf(notes);
        this.bq = bq;
    }

    // --- input --------------------------------------------------------------------------------------

    /**
     * {@code DATASET.TABLE}, {@code PROJECT.DATASET.TABLE} or {@code PROJECT:DATASET.TABLE}. A
     * domain-scoped project ({@code example.com:proj}) keeps its colon: {@code example.com:proj.DATASET.TABLE}
     * (GoogleSQL) and {@code example.com:proj:DATASET.TABLE} (legacy) both name it.
     */
    public static TableRef table(String spec, String defaultProject, String option) {
        String s = spec == null ? "" : spec.strip().replace("`", "");
        String project = defaultProject;
        int colon = s.lastIndexOf(':');
        String rest = s;
        if (colon >= 0) {
            project = s.substring(0, colon);
            rest = s.substring(colon + 1);
        }
        String[] p = rest.split("\\.", -1);
        if (p.length == 3) {
            project = colon < 0 ? p[0] : project + ":" + p[0];
            p = new String[] {p[1], p[2]};
        }
        if (p.length != 2) {
            throw RunbookException.invalid(option + " '" + spec + "' must name a dataset and a table: DATASET.TABLE "
                    + "(e.g. analytics.command_executions), or PROJECT.DATASET.TABLE");
        }
        if (!DATASET.matcher(p[0]).matches()) {
            throw RunbookException.invalid(option + " '" + spec + "': a dataset name is letters, digits and underscores");
        }
        checkTableName(p[1], option + " '" + spec + "'");
        if (project == null || project.isBlank()) {
            throw RunbookException.invalid(option + " '" + spec + "' names no project and none is set: pass "
                    + "--project or write PROJECT.DATASET.TABLE");
        }
        if (!PROJECT.matcher(project).matches()) {
            throw RunbookException.invalid(option + " '" + spec + "': '" + project + "' is not a valid project name");
        }
        return new TableRef(project, p[0], p[1]);
    }

    private static void checkTableName(String name, String where) {
        if (!TABLE.matcher(name).matches()) {
            throw RunbookException.invalid(where + ": a table name is letters, marks, numbers, dashes, spaces and "
                    + "connectors such as _ (in any script)");
        }
        if (utf8Length(name) > MAX_NAME) {
            throw RunbookException.invalid(where + ": a table name is at most " + MAX_NAME + " bytes in UTF-8, not "
                    + utf8Length(name));
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** True when {@code spec} names its project ({@code P.D.T} or {@code P:D.T}). */
    public static boolean namesProject(String spec) {
        return spec != null && (spec.contains(":") || spec.chars().filter(c -> c == '.').count() == 2);
    }

    /**
     * Epoch millis, an ISO-8601 instant (or date-time with offset), or before now: {@code -} and a
     * duration ({@code -2h}, {@code -1d12h}). A time of day without a zone is refused (it could be any
     * of 24 hours), and so are ten digits: epoch seconds from 2001 to 2286, as {@code date +%s}
     * prints them, which read as millis would be a day of January 1970. Fewer digits are millis all
     * the same, times in 1970 that the time-travel window then refuses.
     */
    public static Instant time(String text, Instant now) {
        String t = text.strip();
        try {
            if (t.matches("\\d+")) {
                if (t.length() == 10) {
                    throw RunbookException.invalid("--at '" + text + "' looks like seconds: "
                            + Instant.ofEpochSecond(Long.parseLong(t)) + "? give milliseconds (" + t + "000), or that "
                            + "instant");
                }
                return Instant.ofEpochMilli(Long.parseLong(t));
            }
            if (t.startsWith("-") && Durations.written(t.substring(1))) {
                return now.minus(Durations.parse(t.substring(1))).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            }
            if (Durations.written(t)) {
                throw RunbookException.invalid("--at '" + text + "' would be in the future; a time before now is "
                        + "written -" + t);
            }
            try {
                return Instant.parse(t);
            } catch (DateTimeException e) {
                return OffsetDateTime.parse(t).toInstant();
            }
        } catch (DateTimeException e) {
            if (!isLocalTime(t)) {
                throw notATime(text);
            }
            throw RunbookException.invalid("--at '" + text + "' has no time zone, so it could be any of 24 hours: add Z "
                    + "(UTC) or an offset, e.g. " + t + "Z or " + t + "+01:00");
        } catch (Durations.TooLong e) {
            throw RunbookException.invalid("--at '" + text + "' is too far back: " + Durations.AT_MOST + ", and time "
                    + "travel reaches 7 days back");
        } catch (ArithmeticException | NumberFormatException e) {
            throw notATime(text);
        }
    }

    private static boolean isLocalTime(String t) {
        try {
            LocalDateTime.parse(t);
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static RunbookException notATime(String text) {
        return RunbookException.invalid("--at '" + text + "' is not a time: give epoch millis (1764578400000), an "
                + "ISO-8601 instant (2026-12-01T08:00:00Z) or a time before now (-2h, -30m, -1d12h)");
    }

    /**
     * Checks everything before anything runs (exit 2, nothing changed): the table, its dataset, the
     * time (not in the future, inside the window with a margin, not before the table existed) or the
     * snapshot; then reads the row counts now and at the target.
     */
    public static BigQueryRestore prepare(Request r, BigQueryTables bq, Instant now) {
        if ((r.at() == null) == (r.fromSnapshot() == null)) {
            throw RunbookException.invalid(r.at() == null ? "name what to restore to: --at TIME (inside the dataset's "
                    + "time-travel window) or --from-snapshot TABLE" : "--at and --from-snapshot are two ways to name "
                    + "the source: give one");
        }
        TableRef ref = table(r.table(), r.defaultProject(), "--table");
        Instant at = r.at() == null ? null : time(r.at(), now);
        BigQueryTables.Dataset dataset = bq.dataset(ref.project(), ref.dataset()).orElseThrow(() ->
                RunbookException.invalid("dataset " + ref.project() + "." + ref.dataset() + " not found (--table "
                        + r.table() + ")"));
        TableInfo table = bq.table(ref).orElseThrow(() -> RunbookException.invalid("table " + ref + " not found in "
                + "dataset " + ref.project() + "." + ref.dataset()));
        if (!"TABLE".equals(table.type())) {
            throw RunbookException.invalid("table " + ref + " is a " + table.type() + ", not a table: "
                    + (table.snapshot() ? "restore its base table with --from-snapshot " + ref.shortName()
                    : "only tables can be restored"));
        }
        if (table.requirePartitionFilter()) {
            // BigQuery refuses a query or DML on such a table without a filter usable for partition
            // elimination: the row counts (SELECT COUNT(*)) and the transaction's DELETE ... WHERE TRUE.
            throw RunbookException.invalid("table " + ref + " requires a partition filter (require_partition_filter), "
                    + "so BigQuery refuses the restore's row counts and its DELETE ... WHERE TRUE; nothing was changed. "
                    + "Lift it for the restore: ALTER TABLE " + ref.sql() + " SET OPTIONS (require_partition_filter = "
                    + "false), restore, then set it back to true");
        }
        // Two restores of one table within a second (a restore and its undo) get _2, _3...: never an existing table.
        String snapshotName = snapshotBase(ref.table()) + "_pre_restore_" + Stamp.of(now);
        TableRef preRestore = ref.sibling(snapshotName);
        for (int n = 2; bq.table(preRestore).isPresent(); n++) {
            if (n > 20) {
                throw RunbookException.invalid("tables " + ref.sibling(snapshotName) + " and _2 to _20 exist already; "
                        + "nothing was changed: run it again in a second");
            }
            preRestore = ref.sibling(snapshotName + "_" + n);
        }
        String jobPrefix = jobPrefix(preRestore);
        List<String> notes = new ArrayList<>();
        long rowsNow = bq.rows(ref, Optional.empty());
        if (at != null) {
            checkTime(r.at(), at, now, dataset, table);
            if (INGESTION_TIME.equals(table.partitioning())) {
                // SELECT * does not read the pseudo-column _PARTITIONTIME, and an INSERT that does not set it
                // writes every row to the current partition; a copy from history drops the partitioning.
                throw RunbookException.invalid("table " + ref + " is partitioned by ingestion time (_PARTITIONTIME): "
                        + "restoring it to a time would put every row in today's partition; nothing was changed. "
                        + "Restore it from a table snapshot (--from-snapshot), or by hand with an INSERT that sets "
                        + "_PARTITIONTIME from the rows FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + at.toEpochMilli()
                        + ")");
            }
            long rowsThen = bq.rows(ref, Optional.of(at));
            Path path = table.partitionedOrClustered() ? Path.HISTORY_TRANSACTION : Path.HISTORY_COPY;
            notes.add("rows written after " + at + " are replaced by those of then; the snapshot "
                    + preRestore.shortName() + " keeps them");
            notes.add(kept(preRestore, dataset));
            return new BigQueryRestore(r.command(), table, path, at, r.at(), null, preRestore, jobPrefix, rowsNow,
                    rowsThen, dataset, notes, bq);
        }
        TableRef sref = snapshotRef(r.fromSnapshot(), ref);
        TableInfo source = bq.table(sref).orElseThrow(() -> RunbookException.invalid("--from-snapshot: table "
                + sref + " not found in dataset " + sref.project() + "." + sref.dataset()));
        if (!source.snapshot()) {
            throw RunbookException.invalid("--from-snapshot: " + sref + " is a " + source.type() + ", not a table "
                    + "snapshot");
        }
        if (source.baseTable() != null && !source.baseTable().equals(ref.toString())) {
            notes.add("the snapshot " + sref.shortName() + " was taken of " + source.baseTable() + ", not of "
                    + ref);
        }
        notes.add("every row of " + ref.shortName() + " is replaced by the snapshot's; the snapshot "
                + preRestore.shortName() + " keeps the rows of now");
        notes.add(kept(preRestore, dataset));
        long rowsThen = bq.rows(sref, Optional.empty());
        return new BigQueryRestore(r.command(), table, Path.SNAPSHOT, source.snapshotTime(), null, source, preRestore,
                jobPrefix, rowsNow, rowsThen, dataset, notes, bq);
    }

    /**
     * The table's name, cut if need be so that the snapshot's ({@code _pre_restore_<UTC time>_NN}
     * added) stays within 1024 bytes of UTF-8; cut between characters, so it stays a valid name.
     */
    static String snapshotBase(String table) {
        int room = MAX_NAME - SNAPSHOT_SUFFIX;
        StringBuilder base = new StringBuilder();
        int bytes = 0;
        for (int cp : table.codePoints().toArray()) {
            bytes += utf8Length(Character.toString(cp));
            if (bytes > room) {
                break;
            }
            base.appendCodePoint(cp);
        }
        return base.toString();
    }

    /**
     * {@code rollback_<dataset>_<snapshot name>}, to which the jobs add {@code _1_snapshot} and
     * {@code _2_restore}. A job id is at most 1024 characters, only ASCII letters, digits, _ and -,
     * while a table name may hold spaces and any script and a dataset and a table name may each be
     * 1024 long: then every other character becomes _ and the id starts with a hash of the real
     * names, so two tables never share one, and keeps its end (the snapshot's UTC time).
     */
    static String jobPrefix(TableRef preRestore) {
        String names = preRestore.dataset() + "_" + preRestore.table();
        String safe = names.replaceAll("[^A-Za-z0-9_-]", "_");
        int room = MAX_NAME - "_1_snapshot".length();
        if (safe.equals(names) && "rollback_".length() + names.length() <= room) {
            return "rollback_" + names;
        }
        String head = "rollback_" + String.format("%08x", names.hashCode()) + "_";
        return head + safe.substring(Math.max(0, safe.length() - (room - head.length())));
    }

    /** The snapshot named by --from-snapshot: a bare name is in the table's dataset. */
    private static TableRef snapshotRef(String spec, TableRef table) {
        String s = spec.strip();
        if (s.contains(".") || s.contains(":")) {
            return table(s, table.project(), "--from-snapshot");
        }
        checkTableName(s, "--from-snapshot '" + spec + "'");
        return table.sibling(s);
    }

    private static void checkTime(String text, Instant at, Instant now, BigQueryTables.Dataset dataset,
                                  TableInfo table) {
        if (at.isAfter(now)) {
            throw RunbookException.invalid("--at " + text + " (" + at + ") is in the future (now is " + now + ")");
        }
        // Shown to people: rounded up to the second, still inside the window.
        Instant oldest = now.minus(dataset.window()).plus(WINDOW_MARGIN).plusSeconds(1)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (at.isBefore(oldest)) {
            throw RunbookException.invalid("--at " + text + " (" + at + ") is outside the time-travel window of "
                    + "dataset " + dataset.project() + "." + dataset.name() + " (maxTimeTravelHours "
                    + dataset.maxTimeTravelHours() + ", " + days(dataset.maxTimeTravelHours()) + "): the oldest usable "
                    + "time is " + oldest + " (5 minutes inside the window, as the restore job starts a little later); "
                    + "older data is only in a table snapshot (--from-snapshot)");
        }
        if (table.created() != null && at.isBefore(table.created())) {
            throw RunbookException.invalid("--at " + text + " (" + at + ") is before table " + table.ref()
                    + " was created (" + table.created() + "): it has no history then");
        }
    }

    private static String days(long hours) {
        return hours % 24 == 0 ? hours / 24 + (hours == 24 ? " day" : " days") : hours + " hours";
    }

    /** Undo of {@code record}: the table restored from the snapshot its step 1 took. */
    public static BigQueryRestore undo(JournalRecord record, String command, BigQueryTables bq, Instant now) {
        Optional<BigQueryState> before = JournalStates.read(record.before(), BigQueryState.class);
        String table = before.map(BigQueryState::table).orElse(null);
        String snapshot = before.map(BigQueryState::snapshot).orElse(null);
        if (table == null || snapshot == null) {
            throw RunbookException.invalid("journal record " + record.id() + " holds no table and snapshot to restore "
                    + "from");
        }
        TableRef ref = table(table, null, "journal table");
        if (bq.table(table(snapshot, null, "journal snapshot")).isEmpty()) {
            throw RunbookException.invalid("the snapshot " + snapshot + " taken before " + record.id() + " is gone "
                    + "(deleted or expired): there is nothing to restore from; nothing was changed");
        }
        return prepare(new Request(command, ref.toString(), null, snapshot, ref.project()), bq, now);
    }

    /**
     * The table was written after {@code record} restored it (its last modification is later than what
     * the restore left, or, in records of restores that finished without it, than the step's last
     * state): undo would replace those rows with the snapshot taken before the restore.
     */
    public static Optional<String> laterChange(JournalRecord record, BigQueryTables bq) {
        Optional<BigQueryState> after = JournalStates.readHeld(record, record.after(), BigQueryState.class, "table state");
        String name = after.map(BigQueryState::table).orElse(null);
        if (name == null) {
            return Optional.empty(); // its undo says what the record lacks
        }
        TableRef ref = table(name, null, "journal table");
        Optional<TableInfo> now = bq.table(ref);
        if (now.isEmpty()) {
            return Optional.of("table " + ref + " was deleted after it");
        }
        boolean finished = record.state() == JournalRecord.State.applied
                || record.state() == JournalRecord.State.verified;
        String restored = after.get().modified();
        if (restored == null && !finished) {
            // Stopped while its job ran (a timeout, Ctrl-C): the job may have written last, after the step
            // ended, so a later write cannot be told from the restore's own.
            return Optional.empty();
        }
        Instant left = restored != null ? Instant.parse(restored) : record.time();
        Instant modified = now.get().modified();
        return modified != null && modified.isAfter(left) ? Optional.of("table " + ref.shortName() + " was written "
                + "after it (last modified " + modified + "; the restore left it at " + left + "): undo would replace "
                + "what was written since with the snapshot taken before the restore") : Optional.empty();
    }

    // --- the change ---------------------------------------------------------------------------------

    @Override
    public About about() {
        return About.of(KIND, command, target(), table.ref().toString(), "restore " + table.ref().shortName() + " "
                        + goal() + " (" + rowsTarget + " rows; " + rowsNow + " now)")
                .withNotes(notes)
                .withChange(rowsNow + " rows", path == Path.SNAPSHOT ? source.ref().table() : at.toString())
                .withUnchangedReason(unchanged)
                .withConfirmWord(table.ref().shortName());
    }

    @Override
    public Class<BigQueryState> stateType() {
        return BigQueryState.class;
    }

    private String target() {
        TableRef r = table.ref();
        return "projects/" + r.project() + "/datasets/" + r.dataset() + "/tables/" + r.table();
    }

    private String goal() {
        return path == Path.SNAPSHOT ? "from the snapshot " + source.ref().shortName() : "to " + at
                + (atText != null && atText.startsWith("-") ? " (" + atText + ")" : "");
    }

    @Override
    public List<Block> preview() {
        List<String> steps = new ArrayList<>();
        steps.add("1. snapshot the table as it is now: " + preRestore.shortName() + " (copy job, operationType "
                + "SNAPSHOT; `rollback undo` restores from it)");
        steps.add("2. " + how());
        steps.add("3. count the rows: " + rowsNow + " now, expected " + rowsTarget + " after");
        return List.of(new Lines("table", List.of(table.ref() + ": " + table.layout() + ", " + rowsNow + " rows now")),
                new Lines("restore " + (path == Path.SNAPSHOT ? "from" : "to"), List.of(source(), "why: " + why())),
                new Lines("steps", steps));
    }

    private String source() {
        return path == Path.SNAPSHOT ? source.ref() + " (snapshot of " + source.baseTable() + " at "
                + source.snapshotTime() + "): " + rowsTarget + " rows"
                : at + " (epoch millis " + at.toEpochMilli() + "): " + rowsTarget + " rows then; time travel reaches "
                        + dataset.maxTimeTravelHours() + " hours back in dataset " + dataset.name();
    }

    private String how() {
        return switch (path) {
            case HISTORY_COPY -> "copy job from " + table.ref().table() + "@" + at.toEpochMilli() + " into "
                    + table.ref().table() + ", WRITE_TRUNCATE";
            case HISTORY_TRANSACTION -> "one transaction: DELETE FROM " + table.ref().sqlName() + " WHERE TRUE; "
                    + "INSERT INTO it SELECT * FROM it FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + at.toEpochMilli() + ")";
            case SNAPSHOT -> "copy job from " + source.ref().table() + ", operationType RESTORE, WRITE_TRUNCATE";
        };
    }

    private String why() {
        return switch (path) {
            case HISTORY_COPY -> "a plain table: a copy from its history loses nothing";
            case HISTORY_TRANSACTION -> "the table is " + table.layout() + ", which a copy from history would drop; "
                    + "DML keeps the table and its metadata, and the transaction commits both statements or neither";
            case SNAPSHOT -> "a table snapshot restores the table as the snapshot holds it, with its partitioning";
        };
    }

    @Override
    public List<Block> shown(BigQueryState applied) {
        List<String> lines = new ArrayList<>();
        if (applied.rowsAfter() != null) {
            lines.add("rows: " + applied.rowsBefore() + " before → " + applied.rowsAfter() + " after (expected "
                    + applied.rowsExpected() + ")");
        }
        if (applied.layout() != null) {
            lines.add("layout: " + applied.layout());
        }
        lines.add("snapshot before the restore: " + preRestore.shortName());
        return List.of(new Lines("table " + table.ref().shortName(), lines));
    }

    @Override
    public BigQueryState before() {
        return new BigQueryState(table.ref().toString(), null, null, null, null, null, preRestore.toString(), rowsNow,
                null, null, null, table.layout(), snapshotJob, null, null, null);
    }

    @Override
    public BigQueryState asked() {
        boolean snapshot = path == Path.SNAPSHOT;
        return new BigQueryState(table.ref().toString(), path.id, snapshot ? source.ref().toString() : null,
                snapshot ? null : at.toString(), snapshot ? null : at.toEpochMilli(), null, null, null, null, null,
                rowsTarget, null, null, restoreJob, null, null);
    }

    /** How long the pre-restore snapshot, and so `undo`, lasts: a dataset's default table expiration applies to it. */
    private static String kept(TableRef snapshot, BigQueryTables.Dataset dataset) {
        return "the snapshot " + snapshot.shortName() + (dataset.tableExpiration() == null
                ? " is kept (it outlives the time-travel window): `rollback undo` restores from it; delete it when "
                + "no longer needed"
                : " expires after " + Durations.format(dataset.tableExpiration()) + ", dataset " + dataset.name()
                + "'s default table expiration: `rollback undo` restores from it until then");
    }

    /** What the table is restored from, as the journal keeps it: the time in millis, or the snapshot. */
    private String sourceId() {
        return path == Path.SNAPSHOT ? "snapshot " + source.ref() : "time " + at.toEpochMilli();
    }

    /**
     * Running the same restore again changes nothing when the table's newest change (in {@code history},
     * oldest first) is a restore from the same source and the table has not changed since. A relative
     * {@code --at} names another time on each run, so only an absolute one can match.
     */
    public BigQueryRestore unlessDone(List<JournalRecord> history) {
        Optional<JournalRecord> last = Journal.newest(history, rec -> KIND.equals(rec.kind())
                && target().equals(rec.target()) && rec.changed() && rec.parent() == null);
        if (last.isEmpty() || (last.get().state() != JournalRecord.State.applied
                && last.get().state() != JournalRecord.State.verified)
                || !JournalStates.read(last.get().after(), BigQueryState.class).map(BigQueryState::source)
                        .filter(sourceId()::equals).isPresent()
                || table.modified() == null || table.modified().isAfter(last.get().time())) {
            return this;
        }
        unchanged = table.ref().shortName() + " was restored from the same " + (path == Path.SNAPSHOT ? "snapshot"
                : "time") + " by journal step " + last.get().id() + " and has not changed since (last modified "
                + table.modified() + ")";
        return this;
    }

    @Override
    public BigQueryState apply(Duration limit, Progress progress) {
        // Each job may take up to the limit: the adapter waits on the injected clock.
        TableRef ref = table.ref();
        progress.update("1/3 snapshot " + ref.shortName() + " as " + preRestore.table());
        bq.snapshot(ref, preRestore, snapshotJob, limit, progress);
        progress.update("2/3 restore " + ref.shortName() + " " + goal());
        switch (path) {
            case HISTORY_COPY -> bq.restoreFromHistory(ref, at, false, restoreJob, limit, progress);
            case HISTORY_TRANSACTION -> bq.restoreFromHistory(ref, at, true, restoreJob, limit, progress);
            case SNAPSHOT -> bq.restoreFromSnapshot(source.ref(), ref, restoreJob, limit, progress);
        }
        progress.update("3/3 count the rows of " + ref.shortName());
        long rows = bq.rows(ref, Optional.empty());
        return result(rows, bq.table(ref));
    }

    /** What the restore left; the table's last modification tells undo whether anyone wrote to it since. */
    private BigQueryState result(long rowsAfter, Optional<TableInfo> now) {
        return new BigQueryState(table.ref().toString(), null, null, null, null, sourceId(), preRestore.toString(),
                null, rowsNow, rowsAfter, rowsTarget, now.map(TableInfo::layout).orElse(null), null, restoreJob, null,
                now.map(TableInfo::modified).map(Instant::toString).orElse(null));
    }

    @Override
    public Truth<BigQueryState> truth(Duration within) {
        try {
            TableRef ref = table.ref();
            Optional<BigQueryTables.JobState> job = bq.job(ref.project(), dataset.location(), restoreJob);
            if (job.isEmpty()) {
                boolean snapshotTaken = bq.table(preRestore).isPresent();
                // A snapshot job still running (its wait ran out) creates the table later: not "not taken".
                boolean snapshotRunning = !snapshotTaken && bq.job(ref.project(), dataset.location(), snapshotJob)
                        .map(s -> !s.done()).orElse(false);
                BigQueryState now = BigQueryState.job(ref.toString(), "not sent", null, snapshotTaken
                        ? preRestore.toString() : snapshotRunning ? "being taken by job " + snapshotJob : "not taken");
                return Truth.notSent(now, snapshotTaken || snapshotRunning ? "the snapshot " + preRestore.shortName()
                        + (snapshotTaken ? " was taken" : " is still being taken by job " + snapshotJob)
                        + " (delete it if you do not retry)" : null);
            }
            BigQueryTables.JobState j = job.get();
            if (j.succeeded()) {
                return new Truth<>(true, true, true, null, null, result(bq.rows(ref, Optional.empty()),
                        bq.table(ref)));
            }
            return new Truth<>(true, true, false, j.error(), null, BigQueryState.job(ref.toString(), restoreJob,
                    j.done() ? "failed" : "running", preRestore.toString()));
        } catch (RuntimeException e) {
            return Truth.unreadable();
        }
    }

    /** Step 3: the rows after the restore are the rows at the target, or the restore did not take. */
    @Override
    public List<CheckResult> checks(BigQueryState applied) {
        if (applied == null || applied.rowsAfter() == null || applied.rowsExpected() == null) {
            return List.of();
        }
        long after = applied.rowsAfter();
        long expected = applied.rowsExpected();
        return List.of(new CheckResult("row count", "rows", after == expected ? Verdict.PASS : Verdict.FAIL, null, 0,
                after + " rows after the restore, " + expected + " at the target" + (after == expected ? ""
                        : ": the table changed during the restore, or the restore did not take")));
    }
}

package dev.virtuoso.rollback.restore.firestore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.JournalStates;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.FirestoreOperation;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Stamp;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.port.FirestoreAdmin;
import dev.virtuoso.rollback.port.FirestoreExports;
import dev.virtuoso.rollback.port.Progress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Firestore import of a managed export ({@code rollback restore firestore}), backed up first:
 * step 1 exports the current database to a fresh prefix and waits until that export is
 * SUCCESSFUL; only then step 2 imports. No import is ever sent without a finished backup, and the
 * backup's prefix is journaled ({@link #before()}) so that {@code undo} imports it back.
 *
 * <p>An import is not a point-in-time restore (the written runbook's trap): documents
 * with the same name are overwritten, documents created since the export stay. The plan says so.
 *
 * <p>The operations are followed here, not by the client's own LRO poller: each read of the
 * operation gives its progress metadata (documents, bytes) for the console, the wait runs on the
 * injected clock (tests never sleep, Ctrl-C is exit 130), and an import left running by a killed
 * run is followed by its name alone, which a client-side future cannot do.
 */
public final class FirestoreRestore implements Change<FirestoreRestore.FirestoreState> {
    public static final String KIND = "firestore";

    /**
     * What a Firestore record holds: the database and collections (none: all); before, the backup's
     * prefix; asked, also the export imported ({@code from}); once sent, the backup and import
     * operations with their states, the import's progress and the documents it processed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FirestoreState(String database, List<String> collections, String from, String backupTo,
                                 String backupOperation, String backupState, String importOperation,
                                 String importState, String importProgress, Long importDocuments) {
        FirestoreState backup(String prefix, FirestoreOperation op) {
            return new FirestoreState(database, collections, from, prefix, op.name(), op.state(), importOperation,
                    importState, importProgress, importDocuments);
        }

        FirestoreState imported(FirestoreOperation op) {
            return new FirestoreState(database, collections, from, backupTo, backupOperation, backupState, op.name(),
                    op.state(), op.progress(), op.documentsDone() >= 0 ? op.documentsDone() : null);
        }
    }
    /** Reads of an operation: soon at first (a small database is done in seconds), then every 10 s at most. */
    static final Wait.Backoff POLL = new Wait.Backoff(Duration.ofMillis(200), 1.5, Duration.ofSeconds(10));
    /** Clocks of this machine and of Google differ a little: an import started just before our send is ours. */
    private static final Duration SKEW = Duration.ofSeconds(30);
    /** A restore sends its import within seconds of its backup export's end; a minute leaves room for retries. */
    private static final Duration BACKUP_GAP = Duration.ofMinutes(1);

    private final String command;
    private final String project;
    private final String database;
    private final String from;
    private final List<String> collections;
    private final String backupTo;
    private final List<String> notes;
    private final String summary;
    private final Optional<FirestoreOperation> running;
    /** The import must write documents: the person's restore; an undo's backup may have held none. */
    private final boolean expectsDocuments;
    private final FirestoreAdmin admin;
    private final Wait wait;
    private Instant sentAfter;
    private String backupOperation;
    private String importOperation;

    private FirestoreRestore(String command, String project, String database, String from,
                                   List<String> collections, String backupTo, List<String> notes, String summary,
                                   Optional<FirestoreOperation> running, boolean expectsDocuments, FirestoreAdmin admin,
                                   Wait wait) {
        this.command = command;
        this.project = project;
        this.database = database;
        this.from = from;
        this.collections = List.copyOf(collections);
        this.backupTo = backupTo;
        this.notes = List.copyOf(notes);
        this.summary = summary;
        this.running = running;
        this.expectsDocuments = expectsDocuments;
        this.admin = admin;
        this.wait = wait;
    }

    /** {@code <bucket of base>/pre-restore-<UTC yyyyMMdd'T'HHmmss'Z'>}: where a backup goes by default. */
    public static String defaultBackup(String base, Instant now) {
        return trim(base) + "/pre-restore-" + Stamp.of(now);
    }

    /**
     * The default backup prefix, {@link #defaultBackup}, made unique: a second restore (or the undo
     * of one) in the same second gets {@code -2}, {@code -3}... rather than a prefix in use.
     */
    public static String freshBackup(String base, Instant now, FirestoreExports exports, String avoid) {
        String first = defaultBackup(base, now);
        String name = first;
        for (int n = 2; name.equals(avoid) || exports.holdsObjects(name); n++) {
            name = first + "-" + n;
        }
        return name;
    }

    /**
     * Checks every input before anything runs (exit 2, nothing changed) and plans the restore:
     * the source is a completed export, the database exists, the backup prefix is gs:// and empty,
     * and each collection id is one the export holds, where its layout names them. An id it does not
     * hold would import nothing and look like a success; where the layout cannot tell, the plan says
     * so, and an import that wrote no document fails its check (exit 3).
     */
    public static FirestoreRestore prepare(String command, String project, String database, String from,
                                                 List<String> collections, String backupTo, FirestoreAdmin admin,
                                                 FirestoreExports exports, Wait wait) {
        FirestoreRestore c = plan(command, project, database, from, collections, backupTo, admin, exports, wait);
        if (c.collections.isEmpty()) {
            return c;
        }
        Optional<List<String>> held = exports.collections(c.from);
        if (held.isEmpty()) {
            return new FirestoreRestore(c.command, c.project, c.database, c.from, c.collections, c.backupTo,
                    List.of("the export " + c.from + " names no collection in its layout (an export of every "
                            + "collection keeps them in one all_kinds folder): " + String.join(", ", c.collections) + " could not be checked against it (an id "
                            + "it lacks imports nothing, and the restore then fails its check)"), c.summary, c.running,
                    true, admin, wait);
        }
        List<String> unknown = c.collections.stream().filter(id -> !held.get().contains(id)).toList();
        if (!unknown.isEmpty()) {
            throw RunbookException.invalid("--collections " + String.join(", ", unknown) + ": "
                    + (unknown.size() == 1 ? "no such collection" : "no such collections") + " in the export " + c.from
                    + ", which holds " + String.join(", ", held.get()) + "; nothing was changed");
        }
        return c;
    }

    /** As {@link #prepare}, without checking the collection ids against the export. */
    private static FirestoreRestore plan(String command, String project, String database, String from,
                                         List<String> collections, String backupTo, FirestoreAdmin admin,
                                         FirestoreExports exports, Wait wait) {
        String source = gsPrefix("--from", from, "the output prefix of a Firestore export");
        String backup = gsPrefix("--backup-to", backupTo, "an empty prefix for the export taken before the import");
        List<String> ids = collections(collections);
        if (backup.equals(source) || backup.startsWith(source + "/") || source.startsWith(backup + "/")) {
            throw RunbookException.invalid("--backup-to " + backup + " overlaps --from " + source
                    + ": the backup needs a prefix of its own");
        }
        admin.database(project, database).orElseThrow(() -> RunbookException.invalid("Firestore database "
                + database + " of project " + project + " does not exist; pass --database or set "
                + "data.firestore.database in the runbook"));
        if (!exports.completed(source)) {
            throw RunbookException.invalid(source + " is not a completed Firestore export (" + exports.howChecked(source)
                    + "); pass the output prefix of a finished export, see `rollback restore firestore --list`");
        }
        if (exports.holdsObjects(backup)) {
            throw RunbookException.invalid("--backup-to " + backup + " already holds objects (an earlier export?); the "
                    + "backup needs an empty prefix");
        }
        Optional<FirestoreOperation> running = admin.operations(project, database).stream()
                .filter(o -> o.type() == FirestoreOperation.Type.IMPORT && !o.done() && source.equals(trim(o.prefix())))
                .findFirst();
        String what = ids.isEmpty() ? "every collection in the export" : "collections " + String.join(", ", ids);
        return new FirestoreRestore(command, project, database, source, ids, backup, List.of(),
                "import " + what + " from " + source + " into database " + database + (running.isPresent()
                        ? ", the import already in flight (this run exported nothing)"
                        : ", after exporting it to " + backup), running, true,
                admin, wait);
    }

    /**
     * Undo of {@code record}: import the backup it took before its import, itself backed up first
     * (to a new prefix in the same bucket). An import never deletes: documents the restore created
     * (in its export, absent before) stay after the undo, and the plan says so.
     */
    public static FirestoreRestore undo(JournalRecord record, String command, FirestoreAdmin admin, FirestoreExports exports,
                                              Wait wait, Instant now) {
        Optional<FirestoreState> was = JournalStates.read(record.before(), FirestoreState.class)
                .filter(w -> w.backupTo() != null);
        String[] p = record.target().split("/");
        if (p.length != 4 || !p[2].equals("databases") || was.isEmpty()) {
            throw RunbookException.invalid("journal record " + record.id() + " holds no Firestore backup to import");
        }
        String backup = was.get().backupTo();
        List<String> ids = was.get().collections() == null ? List.of() : was.get().collections();
        String bucket = "gs://" + bucket(backup);
        // The backup's ids are the restore's; a collection that was empty then may have left no folder.
        FirestoreRestore c = plan(command, p[1], p[3], backup, ids, freshBackup(bucket, now, exports, backup), admin,
                exports, wait);
        List<String> notes = List.of("documents that " + record.id() + " (" + record.command() + ") created, present "
                + "in its export and absent before, stay after this undo: an import never deletes; remove them by hand "
                + "if they must go", ids.isEmpty() ? "the backup holds the whole database as it was before "
                + record.id() + ": documents changed in any collection since then are put back as they were"
                : "the backup holds collections " + String.join(", ", ids) + " as they were before " + record.id());
        return new FirestoreRestore(c.command, c.project, c.database, c.from, c.collections, c.backupTo, notes,
                "import the backup " + backup + " taken before " + record.id() + " into " + p[3] + ", after exporting "
                        + "it to " + c.backupTo, c.running, false, admin, wait);
    }

    /**
     * Another import into the database started after {@code record}'s: undo would import the backup
     * over what that import wrote. (Writes by the application itself leave no trace an import can be
     * compared with; imports do, as operations the API lists.)
     */
    public static Optional<String> laterChange(JournalRecord record, FirestoreAdmin admin) {
        String[] p = record.target().split("/");
        String ours = JournalStates.readHeld(record, record.after(), FirestoreState.class, "database state")
                .map(FirestoreState::importOperation).orElse(null);
        if (p.length != 4 || ours == null) {
            return Optional.empty(); // no import was sent: its undo says what the record lacks
        }
        List<FirestoreOperation> ops = admin.operations(p[1], p[3]);
        Instant since = ops.stream().filter(o -> o.name().equals(ours)).map(FirestoreOperation::start)
                .filter(t -> t != null).findFirst().orElse(record.time());
        return ops.stream().filter(o -> o.type() == FirestoreOperation.Type.IMPORT && !o.name().equals(ours)
                        && o.start() != null && o.start().isAfter(since))
                .max(java.util.Comparator.comparing(FirestoreOperation::start))
                .map(o -> "database " + p[3] + " had another import after it: from " + o.prefix() + " (operation "
                        + o.id() + ", started " + o.start() + ", " + o.state() + ")");
    }

    private static String gsPrefix(String flag, String value, String what) {
        String v = value == null ? "" : value.strip();
        String rest = v.startsWith("gs://") ? trim(v.substring(5)) : null;
        if (rest == null || rest.indexOf('/') <= 0 || rest.contains("//") || rest.contains(" ")) {
            throw RunbookException.invalid(flag + " must be gs://BUCKET/PREFIX (" + what + "), not '" + v + "'");
        }
        return "gs://" + rest;
    }

    private static String trim(String uri) {
        String u = uri == null ? "" : uri;
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    private static String bucket(String uri) {
        String rest = uri.substring(5);
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    private static List<String> collections(List<String> given) {
        List<String> ids = new ArrayList<>();
        for (String c : given == null ? List.<String>of() : given) {
            String id = c.strip();
            if (id.isEmpty() || id.contains("/")) {
                throw RunbookException.invalid("--collections takes collection ids separated by commas, not '" + c + "'");
            }
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public About about() {
        return About.of(KIND, command, "projects/" + project + "/databases/" + database, "Firestore " + project + "/"
                        + database, summary)
                .withNotes(notes())
                .withChange(from.substring(from.lastIndexOf('/') + 1), database)
                .withConfirmWord(database);
    }

    @Override
    public Class<FirestoreState> stateType() {
        return FirestoreState.class;
    }

    /** The source export prefix. */
    public String source() {
        return from;
    }

    /** Where the backup export goes. */
    public String backupTo() {
        return backupTo;
    }

    @Override
    public List<Block> preview() {
        String scope = collections.isEmpty() ? "all collections" : "collections " + String.join(", ", collections);
        return List.of(
                new Lines("what an import does", List.of(
                        "documents in the export overwrite the documents of the same name in " + database,
                        "documents created since the export stay: this is not a point-in-time restore",
                        "nothing is deleted")),
                new Lines("step 1: backup", List.of("export " + scope + " of " + database + " to " + backupTo,
                        "and wait until it is SUCCESSFUL; without it, nothing is imported")),
                new Lines("step 2: import", List.of((collections.isEmpty() ? "every collection in the export"
                        : scope) + " from " + from)));
    }

    @Override
    public List<Block> shown(FirestoreState applied) {
        List<String> lines = new ArrayList<>();
        if (inFlight()) {
            // Adopted: this run's own prefix was never used; the backup is the one taken before that import.
            lines.add("backup: " + (applied.backupOperation() != null ? applied.backupTo() + " ("
                    + applied.backupState() + ", taken before the import in flight)"
                    : "none found before the import in flight; this run took none"));
        } else {
            lines.add("backup: " + or(applied.backupTo(), backupTo) + " (" + or(applied.backupState(), "?") + ")");
        }
        lines.add("import from " + from + ": " + or(applied.importState(), "?") + ", "
                + or(applied.importProgress(), ""));
        return List.of(new Lines("firestore " + database, lines));
    }

    private List<String> notes() {
        List<String> all = new ArrayList<>();
        all.add(collections.isEmpty() ? "the backup covers the whole database: the import may write to any "
                + "collection in the export, so `rollback undo` can put back whatever it overwrote"
                : "the backup covers collections " + String.join(", ", collections) + ", the ones the import "
                        + "writes: `rollback undo` imports it back");
        all.addAll(notes);
        return all;
    }

    private static String or(String value, String otherwise) {
        return value == null ? otherwise : value;
    }

    @Override
    public FirestoreState before() {
        return new FirestoreState(database, collections, null, backupTo, null, null, null, null, null, null);
    }

    @Override
    public FirestoreState asked() {
        return new FirestoreState(database, collections, from, backupTo, null, null, null, null, null, null);
    }

    @Override
    public boolean inFlight() {
        return running.isPresent();
    }

    @Override
    public boolean asks(FirestoreState recorded) {
        return from.equals(recorded.from()) && database.equals(recorded.database())
                && collections.equals(recorded.collections() == null ? List.of() : recorded.collections());
    }

    @Override
    public FirestoreState apply(Duration limit, Progress progress) {
        Instant start = wait.clock().instant();
        Instant deadline = start.plus(limit);
        sentAfter = start;
        FirestoreOperation backup = admin.exportDocuments(project, database, collections, backupTo);
        backupOperation = backup.name();
        backup = follow(backup, "the backup export to " + backupTo, deadline, progress);
        if (!backup.succeeded()) {
            throw new RunbookException(ExitCode.API_FAILURE, "Firestore: the backup export to " + backupTo
                    + (backup.done() ? " failed: " + backup.failure() : " is still running after "
                    + seconds(start) + " (operation " + backup.name() + ")") + "; no import was sent");
        }
        FirestoreOperation imported = admin.importDocuments(project, database, collections, from);
        importOperation = imported.name();
        imported = follow(imported, "the import from " + from, deadline, progress);
        return finished(backup, imported, start, progress);
    }

    @Override
    public FirestoreState awaitInFlight(Duration limit, Progress progress) {
        Instant start = wait.clock().instant();
        FirestoreOperation op = running.orElseThrow();
        importOperation = op.name();
        sentAfter = op.start();
        FirestoreOperation imported = follow(op, "the import from " + from, start.plus(limit), progress);
        return finished(backupBefore(op).orElse(null), imported, start, progress);
    }

    /**
     * The backup taken before {@code imported} by the run that sent it: an export that succeeded and
     * ended at most {@link #BACKUP_GAP} before the import started (a restore sends its import as soon
     * as its backup is done). An import started some other way has none, and an older export (a
     * scheduled one) is not passed off as its backup.
     */
    private Optional<FirestoreOperation> backupBefore(FirestoreOperation imported) {
        if (imported.start() == null) {
            return Optional.empty();
        }
        return admin.operations(project, database).stream()
                .filter(o -> o.type() == FirestoreOperation.Type.EXPORT && o.succeeded() && o.end() != null
                        && o.prefix() != null && !o.end().isAfter(imported.start())
                        && !o.end().isBefore(imported.start().minus(BACKUP_GAP)))
                .max(java.util.Comparator.comparing(FirestoreOperation::end));
    }

    private FirestoreState finished(FirestoreOperation backup, FirestoreOperation imported, Instant start, Progress progress) {
        if (!imported.done()) {
            throw new RunbookException(ExitCode.API_FAILURE, "Firestore: the import from " + from + " is still running "
                    + "after " + seconds(start) + " (operation " + imported.name() + "); it goes on: see `rollback "
                    + "restore firestore --list`");
        }
        if (!imported.succeeded()) {
            throw new RunbookException(ExitCode.API_FAILURE, "Firestore: the import from " + from + " failed: "
                    + imported.failure() + " (operation " + imported.name() + "); a failed import may be partial");
        }
        progress.done("imported " + from + " into " + database + ": " + imported.progress() + " (" + seconds(start)
                + ")");
        return state(backup, imported);
    }

    /** Reads the operation until it is done or the next read would pass {@code deadline}, with its progress. */
    private FirestoreOperation follow(FirestoreOperation op, String what, Instant deadline, Progress progress) {
        Instant start = wait.clock().instant();
        FirestoreOperation[] last = {null};
        // The answer to the call is the first read: an operation may be done at once.
        FirestoreOperation end = wait.until(() -> last[0] = last[0] == null ? op : admin.operation(op.name()),
                FirestoreOperation::done, POLL, deadline, "waiting for " + what,
                waited -> progress.update(what + ": " + last[0].state() + ", " + last[0].progress() + " ("
                        + seconds(start) + ")"));
        if (end.succeeded()) {
            progress.done(what + ": SUCCESSFUL, " + end.progress() + " (" + seconds(start) + ")");
        }
        return end;
    }

    private FirestoreState state(FirestoreOperation backup, FirestoreOperation imported) {
        FirestoreState n = asked();
        if (inFlight()) {
            // this run's prefix: nothing was exported to it
            n = new FirestoreState(database, collections, from, null, null, null, null, null, null, null);
        }
        if (backup != null) {
            n = n.backup(inFlight() ? trim(backup.prefix()) : backupTo, backup);
        }
        return imported == null ? n : n.imported(imported);
    }

    /**
     * The import wrote documents: one that processed none (a collection id the export does not
     * hold, an export of nothing) changed nothing, which is not the restore that was asked.
     */
    @Override
    public List<CheckResult> checks(FirestoreState applied) {
        if (!expectsDocuments || applied == null || applied.importDocuments() == null) {
            return List.of();
        }
        long documents = applied.importDocuments();
        String scope = collections.isEmpty() ? "" : " of collections " + String.join(", ", collections);
        return List.of(new CheckResult("documents imported", "documents", documents > 0 ? Verdict.PASS : Verdict.FAIL,
                null, 0, documents > 0 ? documents + " documents imported" + scope : "the import processed 0 documents"
                + scope + (collections.isEmpty() ? ": the export holds none" : ": does the export hold "
                + (collections.size() == 1 ? "that collection" : "those collections") + "? Nothing was imported")));
    }

    @Override
    public Truth<FirestoreState> truth(Duration within) {
        List<FirestoreOperation> ops;
        try {
            ops = CompletableFuture.supplyAsync(() -> admin.operations(project, database))
                    .get(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Truth.unreadable();
        } catch (Exception e) {
            return Truth.unreadable();
        }
        Instant after = sentAfter == null ? Instant.MIN : sentAfter.minus(SKEW);
        Optional<FirestoreOperation> imported = ops.stream().filter(o -> o.name().equals(importOperation)
                || o.type() == FirestoreOperation.Type.IMPORT && from.equals(trim(o.prefix()))
                && o.start() != null && !o.start().isBefore(after)).findFirst();
        Optional<FirestoreOperation> backup = ops.stream().filter(o -> o.name().equals(backupOperation)
                || o.type() == FirestoreOperation.Type.EXPORT && backupTo.equals(trim(o.prefix()))).findFirst();
        FirestoreState now = state(backup.orElse(null), imported.orElse(null));
        if (imported.isPresent()) {
            FirestoreOperation i = imported.get();
            return new Truth<>(true, true, i.succeeded(), i.failure(), null, now);
        }
        return Truth.notSent(now, backup.map(b -> "the backup export to " + backupTo + (b.succeeded() ? " finished"
                : b.done() ? " ended " + b.state() : " is " + b.state()) + " and stays").orElse(null));
    }

    private String seconds(Instant start) {
        return Duration.between(start, wait.clock().instant()).toMillis() / 100 / 10.0 + "s";
    }
}

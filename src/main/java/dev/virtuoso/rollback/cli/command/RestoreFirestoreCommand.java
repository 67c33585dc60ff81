package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.cli.render.FirestoreOperationsView;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.model.FirestoreOperation;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.restore.firestore.FirestoreRestore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "firestore", description = {
    "Import a Firestore export into a database, after exporting the database as it is now.",
    "",
    "Step by step:",
    "  1. Checks, before anything runs: --from is gs://BUCKET/PREFIX and a completed export (its "
        + "PREFIX/NAME.overall_export_metadata object exists, which an export writes when it completes); the "
        + "database exists; --backup-to is gs:// and empty; each --collections id is one the export holds "
        + "(an export of chosen collections has a kind_<id> folder for each; an export of all of them names none, "
        + "and the plan says the ids could not be checked).",
    "  2. Shows the plan, then asks you to type the database id (or --yes).",
    "  3. Exports the database (all collections, or only --collections) to --backup-to and waits until "
        + "that export is SUCCESSFUL. No import is ever sent without it; its prefix is journaled.",
    "  4. Imports --from and waits, with progress in documents and bytes. An import that wrote no document "
        + "fails its check (exit 3): nothing was restored.",
    "  `rollback undo` then imports the backup again (itself backed up first).",
    "",
    "The trap: an import is not a point-in-time restore. Documents in the export overwrite the documents of "
        + "the same name; documents created since the export stay; nothing is deleted. The same holds for undo: "
        + "documents the restore created stay after it.",
    "",
    "--list shows the recent import and export operations of the database, like `gcloud firestore operations "
        + "list` (read-only; --from not needed)."},
        footer = {"", "Examples:",
            "  rollback restore firestore --list",
            "  rollback restore firestore --from gs://my-backups/2024-07-24T10:00:00_12345",
            "  rollback restore firestore --from gs://my-backups/2024-07-24T10:00:00_12345 --collections users,orders",
            "  rollback restore firestore --from gs://my-backups/nightly --backup-to gs://my-backups/before-fix --dry-run",
            "  rollback undo        # imports the backup taken before the restore"})
final class RestoreFirestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--from", paramLabel = "gs://BUCKET/PREFIX",
            description = "The export to import: the output prefix of a completed export (required unless --list).")
    String from;

    @Option(names = "--collections", split = ",", paramLabel = "A,B",
            description = "Only these collections (imported, and backed up first). Default: every collection in "
                    + "the export, with the whole database backed up.")
    List<String> collections;

    @Option(names = "--database", paramLabel = "ID",
            description = "Database id (default: the runbook's data.firestore.database, else (default)).")
    String database;

    @Option(names = "--backup-to", paramLabel = "gs://BUCKET/PREFIX",
            description = "Where the export taken first goes; must be empty (default: "
                    + "<data.firestore.backupBucket>/pre-restore-<UTC time>).")
    String backupTo;

    @Option(names = "--list", description = "List recent import and export operations of the database; change nothing.")
    boolean list;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "With --list: newest N operations (default ${DEFAULT-VALUE}; 0 = all).")
    int limit;

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "1h", description = "How long to wait for the "
            + "backup export and the import together (default ${DEFAULT-VALUE}). They go on at Google after it: the "
            + "tool says so (exit 4) and journals what is true; the same command again waits for the import in flight.")
    Duration timeout;

    @Override
    public Integer call() {
        Durations.positive("--timeout", timeout);
        Session s = Session.of(spec);
        Runbook book = s.runbook();
        String db = database != null ? database.strip() : book.data().firestore().database();
        if (db.isEmpty()) {
            throw RunbookException.invalid("--database must name a database, e.g. (default)");
        }
        String project = s.target().service().project();
        if (list) {
            if (from != null || backupTo != null || collections != null) {
                throw new ParameterException(spec.commandLine(), "--list only reads: it takes no --from, "
                        + "--collections or --backup-to");
            }
            if (limit < 0) {
                throw RunbookException.invalid("--limit must be 0 (all) or more, not " + limit);
            }
            return list(s, project, db);
        }
        if (from == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--from=gs://BUCKET/PREFIX' "
                    + "(the export to import; `--list` shows recent exports)");
        }
        String backup = backupTo;
        if (backup == null) {
            String bucket = book.data().firestore().backupBucket();
            if (bucket == null || bucket.isBlank()) {
                throw RunbookException.invalid("nowhere to back up " + db + " before the import: pass --backup-to "
                        + "gs://BUCKET/PREFIX or set data.firestore.backupBucket in the runbook");
            }
            String base = bucket.strip().startsWith("gs://") ? bucket.strip() : "gs://" + bucket.strip();
            backup = FirestoreRestore.freshBackup(base, s.ctx.clock().instant(), s.firestoreExports(),
                    from.strip());
        }
        FirestoreRestore change = FirestoreRestore.prepare(command(), project, db, from, collections,
                backup, s.firestoreAdmin(), s.firestoreExports(), s.waiting());
        return ActionView.print(s.output(), s.pipeline().waitingAtMost(timeout).execute(change, Optional.empty()));
    }

    private String command() {
        return "restore firestore --from " + from.strip() + (collections == null || collections.isEmpty() ? ""
                : " --collections " + String.join(",", collections));
    }

    private int list(Session s, String project, String db) {
        if (s.firestoreAdmin().database(project, db).isEmpty()) {
            throw RunbookException.invalid("Firestore database " + db + " of project " + project + " does not exist; "
                    + "pass --database or set data.firestore.database in the runbook");
        }
        List<FirestoreOperation> ops = s.firestoreAdmin().operations(project, db);
        if (limit > 0 && ops.size() > limit) {
            ops = ops.subList(0, limit);
        }
        return FirestoreOperationsView.print(s.output(), new FirestoreOperationsView.Listing(project, db, ops));
    }
}

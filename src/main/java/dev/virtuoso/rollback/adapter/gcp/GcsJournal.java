package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.OpenSteps;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Journal;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The journal in Cloud Storage, shared by a team: one object per state of a step,
 * {@code PREFIX/records/<id>/<n>-<state>.json} (n = 1, 2, 3… per step), each created only if it
 * does not exist ({@code ifGenerationMatch=0}), so nothing is ever overwritten, and never deleted.
 * {@link #history()} lists the records and reads each step's newest object.
 *
 * <p>A step's first state ({@code planned}) that cannot be written stops the step before it changes
 * anything (exit 4). A later state that cannot be written (the change was made) is kept in a spool
 * file under ROLLBACK_HOME, 0600, and uploaded by the next command that uses the shared journal.
 */
public final class GcsJournal implements Journal {
    /** Reads of a history's objects at once: a hundred steps cost about one round trip per 16. */
    private static final int PARALLEL_READS = 16;
    /** The permissions the journal and the services' locks use (roles/storage.objectUser has them all). */
    static final List<String> PERMISSIONS = List.of("storage.objects.create", "storage.objects.get",
            "storage.objects.list", "storage.objects.delete");

    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"));

    private final StorageObjects objects;
    private final String prefix;
    private final String where;
    private final Path spool;
    private final Clock clock;
    private final Consumer<String> warn;
    private final boolean mayUpload;
    private final OpenSteps openHere = new OpenSteps();
    /** The last n written per step by this process. */
    private final Map<String, Integer> written = new HashMap<>();
    /** Objects read, by name: they are never rewritten, so what was read once stays true. */
    private final Map<String, JournalRecord> read = new ConcurrentHashMap<>();
    private boolean spoolTried;
    /** Steps with a record in the spool: their later states join it, so they are uploaded in order. */
    private final java.util.Set<String> spooledSteps = new java.util.HashSet<>();
    /** This journal kept a record in the spool (not one an earlier command left there). */
    private volatile boolean kept;

    /**
     * The journal at {@code gs://bucket/prefix}, spooling to {@code spool}. {@code mayUpload}: false in a
     * dry run, which changes nothing (records kept locally wait for a command that may).
     */
    public GcsJournal(GcpClients clients, String bucket, String prefix, Path spool, Clock clock,
                      Consumer<String> warn, boolean mayUpload) {
        this.objects = new StorageObjects(clients, bucket);
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
        this.where = "gs://" + bucket + "/" + this.prefix;
        this.spool = spool;
        this.clock = clock;
        this.warn = warn;
        this.mayUpload = mayUpload;
    }

    /**
     * The spool file under {@code home} of the journal {@code gs://bucket/prefix}: records a command could
     * not write there. One per journal, so a record kept for one team's journal is never uploaded into
     * another's by a command run with another runbook.
     */
    public static Path spoolFile(Path home, String bucket, String prefix) {
        String hash;
        try {
            hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(prefix.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        return home.resolve("journal-spool-" + bucket + "-" + hash + ".jsonl");
    }

    @Override
    public synchronized void append(JournalRecord record) {
        // A Ctrl-C being handled must not cost the record of it: the client's I/O is interruptible.
        boolean interrupted = Thread.interrupted();
        try {
            uploadSpool();
            try {
                if (spooledSteps.contains(record.id())) {
                    // Its earlier state waits in the spool: written now, this state would be uploaded first
                    // and the earlier one after it, taking the higher number that history reads as newest.
                    throw new RunbookException(ExitCode.API_FAILURE, "its earlier state is still kept locally");
                }
                write(record);
            } catch (RunbookException e) {
                if (record.state() == JournalRecord.State.planned) {
                    // Nothing is changed without a record of it that the team can see.
                    throw new RunbookException(e.exitCode() == ExitCode.INVALID_INPUT ? ExitCode.API_FAILURE
                            : e.exitCode(), "cannot write the shared journal " + where + ": " + e.getMessage()
                            + "; nothing was changed", e);
                }
                keepLocally(record, e);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        openHere.appended(record);
    }

    /**
     * Creates the step's next object; a number another writer took first (412) moves to the next one.
     * A step this run did not start (a record kept locally by an earlier run) continues after the
     * highest number the bucket has of it: history takes a step's highest number as its newest state.
     */
    private void write(JournalRecord record) {
        byte[] content = json(record);
        Integer known = written.get(record.id());
        int n = known != null || record.state() == JournalRecord.State.planned ? (known == null ? 0 : known)
                : highestNumber(record.id());
        for (int tries = 0; tries < 100; tries++) {
            n++;
            String name = prefix + "records/" + record.id() + "/" + n + "-" + record.state() + ".json";
            if (objects.create(name, content, 0).isPresent()) {
                written.put(record.id(), n);
                read.put(name, record);
                return;
            }
        }
        throw new RunbookException(ExitCode.CONFLICT, "the step " + record.id() + " has 100 records in " + where
                + " written by others");
    }

    private int highestNumber(String id) {
        String step = prefix + "records/" + id + "/";
        int highest = 0;
        try {
            for (Blob b : objects.storage().list(objects.bucket(), Storage.BlobListOption.prefix(step)).iterateAll()) {
                highest = Math.max(highest, number(b.getName().substring(step.length())));
            }
        } catch (RuntimeException e) {
            throw StorageObjects.failure(where + "records/" + id + "/", e);
        }
        return highest;
    }

    /** The n of {@code <n>-<state>.json}, or 0 when the name is not one. */
    private static int number(String file) {
        int dash = file.indexOf('-');
        try {
            return dash < 0 ? 0 : Integer.parseInt(file.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static byte[] json(JournalRecord record) {
        try {
            return Json.mapper().writeValueAsBytes(record);
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INTERNAL, "cannot write a journal record as JSON: " + e.getMessage(), e);
        }
    }

    private void keepLocally(JournalRecord record, RunbookException why) {
        try {
            spool(record);
            spooledSteps.add(record.id());
        } catch (IOException | UnsupportedOperationException e) {
            throw new RunbookException(ExitCode.API_FAILURE, "cannot write the shared journal " + where + " ("
                    + why.getMessage() + ") nor keep the record in " + spool + " (" + e.getMessage() + ")", why);
        }
        warn.accept("could not write journal step " + record.id() + " " + record.state() + " to " + where + " ("
                + why.getMessage() + "); kept it in " + spool + ", and the next command that uses the shared journal "
                + "uploads it");
    }

    /** Whether this journal kept a record of its own in the spool, to be uploaded by a later command. */
    public boolean keptLocally() {
        return kept;
    }

    /** Appends {@code record} to the spool file (0600), holding its lock. */
    private void spool(JournalRecord record) throws IOException {
        kept = true;
        byte[] line = (new String(json(record), StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            underSpoolLock(() -> {
                if (!Files.exists(spool)) {
                    Files.createFile(spool, OWNER_ONLY);
                }
                Files.write(spool, line, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
            });
        } catch (OverlappingFileLockException e) {
            // This very process is uploading the spool (a hard stop while it waits on Cloud Storage): the
            // process ends now, before that upload could rewrite the file, so the line is appended as is.
            Files.write(spool, line, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        }
    }

    private interface SpoolAction {
        void run() throws IOException;
    }

    /**
     * Runs {@code action} holding the lock of a file beside the spool, which two commands of one
     * machine both take to append to the spool or rewrite it. The lock is not on the spool itself:
     * the spool is replaced by a rename, and a command waiting on the old file's lock would append
     * to a file no longer there.
     */
    @SuppressWarnings("try")
    private void underSpoolLock(SpoolAction action) throws IOException {
        Files.createDirectories(spool.toAbsolutePath().getParent());
        Path lockFile = spool.resolveSibling(spool.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            action.run();
        }
    }

    /**
     * Uploads what an earlier command kept locally, once per run, under the spool's lock so two
     * commands of one machine neither upload it twice nor lose a line one of them appends. What is
     * left is written to a new file that then replaces the spool, so a crash mid-write loses nothing.
     * A failure leaves it there (and warns).
     */
    private void uploadSpool() {
        if (spoolTried || !mayUpload || !Files.exists(spool)) {
            return;
        }
        spoolTried = true;
        try {
            underSpoolLock(() -> {
                List<JournalRecord> kept = spooled(Files.readAllBytes(spool));
                int uploaded = 0;
                try {
                    for (JournalRecord r : kept) {
                        write(r);
                        uploaded++;
                    }
                } finally {
                    // What was uploaded leaves the spool, whatever stopped the rest.
                    StringBuilder rest = new StringBuilder();
                    spooledSteps.clear();
                    for (JournalRecord r : kept.subList(uploaded, kept.size())) {
                        spooledSteps.add(r.id());
                        rest.append(new String(json(r), StandardCharsets.UTF_8)).append('\n');
                    }
                    Path next = Files.createTempFile(spool.toAbsolutePath().getParent(), "journal-spool", ".tmp",
                            OWNER_ONLY);
                    Files.writeString(next, rest, StandardOpenOption.SYNC);
                    Files.move(next, spool, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                if (uploaded > 0) {
                    warn.accept("uploaded " + uploaded + " journal record" + (uploaded == 1 ? "" : "s")
                            + " kept locally since " + kept.get(0).time() + " to " + where);
                }
            });
        } catch (IOException e) {
            warn.accept("cannot read the journal records kept in " + spool + ": " + e.getMessage());
        } catch (RunbookException e) {
            warn.accept("journal records kept in " + spool + " are still not uploaded: " + e.getMessage());
        }
    }

    private List<JournalRecord> spooled(byte[] bytes) {
        List<JournalRecord> records = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                try {
                    records.add(Json.mapper().readValue(line, JournalRecord.class));
                } catch (IOException e) {
                    warn.accept("left out a damaged line of " + spool + " (an append cut short)");
                }
            }
        }
        return records;
    }

    /**
     * Exit 4 unless the bucket answers and this caller may create, read, list and delete objects
     * in it (delete: a lock is released by deleting it, and renewed by replacing it, which Cloud
     * Storage also counts as a delete). Asked with testIamPermissions, which needs no permission
     * itself and creates nothing.
     */
    @Override
    public void checkWritable() {
        List<Boolean> granted;
        try {
            granted = objects.storage().testIamPermissions(objects.bucket(), PERMISSIONS);
        } catch (RuntimeException e) {
            throw new RunbookException(ExitCode.API_FAILURE, "cannot use the shared journal " + where + ": "
                    + StorageObjects.failure("gs://" + objects.bucket(), e).getMessage(), e);
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < PERMISSIONS.size(); i++) {
            if (i >= granted.size() || !Boolean.TRUE.equals(granted.get(i))) {
                missing.add(PERMISSIONS.get(i));
            }
        }
        if (!missing.isEmpty()) {
            throw new RunbookException(ExitCode.API_FAILURE, "cannot use the shared journal " + where + ": missing "
                    + String.join(", ", missing) + " on gs://" + objects.bucket() + " (roles/storage.objectUser has them)");
        }
    }

    /**
     * True while a step this process started is unfinished. Without the journal's lock: Ctrl-C asks
     * this while an append may be waiting on Cloud Storage.
     */
    public boolean hasOpen() {
        return openHere.any();
    }

    /**
     * Marks the steps this process left unfinished as interrupted (the process stops at once) and
     * returns those records. They are kept in the spool file only, uploaded by the next command:
     * stopping must not wait on Cloud Storage, which may be what the command was waiting on.
     */
    public List<JournalRecord> interruptOpen() {
        List<JournalRecord> records = openHere.interrupted(clock.instant());
        for (JournalRecord r : records) {
            try {
                spool(r);
            } catch (IOException | UnsupportedOperationException e) {
                warn.accept("could not keep journal step " + r.id() + " interrupted in " + spool + ": " + e.getMessage());
            }
        }
        return records;
    }

    /** The file records are kept in until a command uploads them. */
    public Path spool() {
        return spool;
    }

    /**
     * Each step's newest state, oldest step first (by when its first object was created). One listing
     * names every object; only each step's newest is read, {@value #PARALLEL_READS} at a time, and an
     * object read once is not read again by this run. Records still kept locally are newer than
     * what the bucket holds of their step and take its place.
     */
    @Override
    public synchronized List<JournalRecord> history() {
        uploadSpool();
        record Step(String id, Instant first, String newest, int n) {
        }
        Map<String, Step> steps = new HashMap<>();
        String records = prefix + "records/";
        try {
            for (Blob b : objects.storage().list(objects.bucket(), Storage.BlobListOption.prefix(records)).iterateAll()) {
                String rest = b.getName().substring(records.length());
                int slash = rest.indexOf('/');
                int n = slash < 0 ? 0 : number(rest.substring(slash + 1));
                if (n == 0) {
                    continue; // not a record this journal writes
                }
                String id = rest.substring(0, slash);
                Instant created = b.getCreateTimeOffsetDateTime() == null ? Instant.EPOCH
                        : b.getCreateTimeOffsetDateTime().toInstant();
                steps.merge(id, new Step(id, created, b.getName(), n), (a, c) -> new Step(id,
                        a.first().isBefore(c.first()) ? a.first() : c.first(), a.n() >= c.n() ? a.newest() : c.newest(),
                        Math.max(a.n(), c.n())));
            }
        } catch (RuntimeException e) {
            throw new RunbookException(ExitCode.API_FAILURE, "cannot read the shared journal " + where + ": "
                    + StorageObjects.failure(where + "records/", e).getMessage(), e);
        }
        List<Step> ordered = new ArrayList<>(steps.values());
        ordered.sort(Comparator.comparing(Step::first).thenComparing(Step::id));
        readAll(ordered.stream().map(Step::newest).filter(name -> !read.containsKey(name)).toList());
        Map<String, JournalRecord> byId = new LinkedHashMap<>();
        for (Step s : ordered) {
            byId.put(s.id(), read.get(s.newest()));
        }
        if (Files.exists(spool)) {
            try {
                for (JournalRecord r : spooled(Files.readAllBytes(spool))) {
                    byId.put(r.id(), r);
                }
            } catch (IOException e) {
                warn.accept("cannot read the journal records kept in " + spool + ": " + e.getMessage());
            }
        }
        return new ArrayList<>(byId.values());
    }

    private void readAll(List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_READS, names.size()), r -> {
            Thread t = new Thread(r, "journal-read");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> reads = new ArrayList<>();
            for (String name : names) {
                reads.add(pool.submit(() -> read.put(name, parse(name, objects.storage().readAllBytes(
                        BlobId.of(objects.bucket(), name))))));
            }
            for (Future<?> f : reads) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RunbookException r) {
                throw r;
            }
            throw new RunbookException(ExitCode.API_FAILURE, "cannot read the shared journal " + where + ": "
                    + (cause instanceof RuntimeException r ? StorageObjects.failure(where + "records/", r).getMessage()
                    : String.valueOf(cause)), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunbookException(ExitCode.INTERRUPTED, "interrupted while reading the shared journal " + where);
        } finally {
            pool.shutdownNow();
        }
    }

    private JournalRecord parse(String name, byte[] bytes) {
        try {
            return Json.mapper().readValue(bytes, JournalRecord.class).withOutcomeOfOldRecord();
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INVALID_INPUT, "the shared journal's object gs://" + objects.bucket()
                    + "/" + name + " is damaged (not a journal record): " + e.getMessage(), e);
        }
    }
}

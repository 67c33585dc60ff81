package dev.virtuoso.rollback.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.google.firestore.admin.v1.Database;
import com.google.firestore.admin.v1.ExportDocumentsMetadata;
import com.google.firestore.admin.v1.ExportDocumentsRequest;
import com.google.firestore.admin.v1.ExportDocumentsResponse;
import com.google.firestore.admin.v1.FirestoreAdminGrpc;
import com.google.firestore.admin.v1.GetDatabaseRequest;
import com.google.firestore.admin.v1.ImportDocumentsMetadata;
import com.google.firestore.admin.v1.ImportDocumentsRequest;
import com.google.firestore.admin.v1.OperationState;
import com.google.firestore.admin.v1.Progress;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.ListOperationsRequest;
import com.google.longrunning.ListOperationsResponse;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import dev.virtuoso.rollback.json.Json;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Firestore Admin v1 for the sandbox: databases holding collections of documents (plain maps),
 * and managed export and import as long-running operations (google.longrunning.Operations, on a
 * server of their own: Cloud Run's Operations service is another). An operation takes the
 * configured delay on the sandbox's clock, its progress metadata growing with it; it is settled
 * lazily, whenever anything is read. An export snapshots the documents when asked and writes its
 * files to the storage emulator when it completes, the {@code .overall_export_metadata} object
 * last, in the layout Firestore uses: an export of every collection puts them in one folder
 * {@code all_namespaces/all_kinds/}, an export of chosen collections one folder per collection,
 * {@code all_namespaces/kind_<id>/}. An import reads an export back: same-name documents
 * overwritten, the others kept.
 */
final class FirestoreAdminEmulator {
    private static final TypeReference<Map<String, Map<String, Map<String, Object>>>> DOCS = new TypeReference<>() {
    };
    static final String DATA_OBJECT = "all_namespaces/all_kinds/output-0";

    private final class Op {
        final String name;
        final boolean export;
        final String database;
        final String prefix;
        final List<String> collections;
        final Instant start;
        final Duration delay;
        final Status failure;
        final byte[] snapshot;
        final long documents;
        boolean done;
        Instant end;

        Op(String name, boolean export, String database, String prefix, List<String> collections, Instant start,
           Duration delay, Status failure, byte[] snapshot, long documents) {
            this.name = name;
            this.export = export;
            this.database = database;
            this.prefix = prefix;
            this.collections = List.copyOf(collections);
            this.start = start;
            this.delay = delay;
            this.failure = failure;
            this.snapshot = snapshot;
            this.documents = documents;
        }
    }

    private final Clock clock;
    private final StorageEmulator storage;
    /** database name → collection → document id → fields. */
    private final Map<String, Map<String, Map<String, Map<String, Object>>>> databases = new LinkedHashMap<>();
    private final Map<String, Op> operations = new LinkedHashMap<>();
    private final AtomicInteger mutatingCalls = new AtomicInteger();
    private volatile Duration operationDelay = Duration.ofSeconds(2);
    private Status failNextExport;
    private Status failNextImport;
    private Status refuseNextImport;

    FirestoreAdminEmulator(Clock clock, StorageEmulator storage) {
        this.clock = clock;
        this.storage = storage;
        storage.beforeRead(this::settle);
    }

    FirestoreAdminGrpc.FirestoreAdminImplBase api() {
        return new Api();
    }

    OperationsGrpc.OperationsImplBase operations() {
        return new OperationsApi();
    }

    // ---- test controls and seeding ---------------------------------------------------------------

    int mutatingCalls() {
        return mutatingCalls.get();
    }

    void setOperationDelay(Duration delay) {
        this.operationDelay = delay;
    }

    /** The next export is accepted, and its operation ends in error with {@code status} (no files written). */
    synchronized void failNextExport(Status status) {
        this.failNextExport = status;
    }

    /** The next import is accepted, and its operation ends in error with {@code status}. */
    synchronized void failNextImport(Status status) {
        this.failNextImport = status;
    }

    /** The next ImportDocuments call is refused with {@code status}: no operation, nothing imported. */
    synchronized void refuseNextImport(Status status) {
        this.refuseNextImport = status;
    }

    synchronized void createDatabase(String name) {
        databases.computeIfAbsent(name, n -> new TreeMap<>());
    }

    synchronized void putDocument(String database, String collection, String id, Map<String, Object> fields) {
        databases.get(database).computeIfAbsent(collection, c -> new TreeMap<>()).put(id, new TreeMap<>(fields));
    }

    synchronized Map<String, Object> document(String database, String collection, String id) {
        settle();
        Map<String, Object> d = databases.get(database).getOrDefault(collection, Map.of()).get(id);
        return d == null ? null : Map.copyOf(d);
    }

    /** A completed export of {@code collections} (none: all) as they are now, written at once, as if made at {@code when}. */
    synchronized void seedExport(String database, String prefix, Instant when, List<String> collections) {
        byte[] data = snapshot(database, collections);
        String name = database + "/operations/" + UUID.randomUUID();
        Op op = new Op(name, true, database, prefix, collections, when, Duration.ofMinutes(3), null, data,
                count(data));
        writeExport(op);
        op.done = true;
        op.end = when.plus(op.delay);
        operations.put(name, op);
    }

    // ---- semantics -------------------------------------------------------------------------------

    /** Every operation whose time has come finishes now: files written, documents imported. */
    synchronized void settle() {
        Instant now = clock.instant();
        for (Op op : operations.values()) {
            if (!op.done && !now.isBefore(op.start.plus(op.delay))) {
                op.end = op.start.plus(op.delay);
                op.done = true;
                if (op.failure == null) {
                    if (op.export) {
                        writeExport(op);
                    } else {
                        importInto(op);
                    }
                }
            }
        }
    }

    private byte[] snapshot(String database, List<String> collections) {
        Map<String, Map<String, Map<String, Object>>> out = new TreeMap<>();
        databases.get(database).forEach((c, docs) -> {
            if (collections.isEmpty() || collections.contains(c)) {
                out.put(c, new TreeMap<>(docs));
            }
        });
        return write(out);
    }

    private static byte[] write(Map<String, ? extends Map<String, Map<String, Object>>> docs) {
        try {
            return Json.mapper().writeValueAsBytes(docs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The documents an export holds, from its data files in either layout; null when there are none. */
    private byte[] exported(String bucket, String prefix) {
        Map<String, Map<String, Map<String, Object>>> all = new TreeMap<>();
        List<String> files = storage.names(bucket, prefix + "/all_namespaces/").stream()
                .filter(n -> n.endsWith("/output-0")).toList();
        files.forEach(f -> all.putAll(read(storage.read(bucket, f))));
        return files.isEmpty() ? null : write(all);
    }

    private static long count(byte[] data) {
        return read(data).values().stream().mapToLong(Map::size).sum();
    }

    private static Map<String, Map<String, Map<String, Object>>> read(byte[] data) {
        try {
            return Json.mapper().readValue(data, DOCS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeExport(Op op) {
        String[] bp = split(op.prefix);
        String last = bp[1].substring(bp[1].lastIndexOf('/') + 1);
        if (op.collections.isEmpty()) {
            storage.put(bp[0], bp[1] + "/" + DATA_OBJECT, op.snapshot);
            storage.put(bp[0], bp[1] + "/all_namespaces/all_kinds/all_namespaces_all_kinds.export_metadata",
                    new byte[0]);
        }
        Map<String, Map<String, Map<String, Object>>> docs = read(op.snapshot);
        for (String c : op.collections) {
            String kind = "all_namespaces/kind_" + c;
            storage.put(bp[0], bp[1] + "/" + kind + "/output-0", write(Map.of(c, docs.getOrDefault(c, Map.of()))));
            storage.put(bp[0], bp[1] + "/" + kind + "/all_namespaces_kind_" + c + ".export_metadata", new byte[0]);
        }
        // Written last, when the export completes: what tells a completed export (StorageExports).
        storage.put(bp[0], bp[1] + "/" + last + ".overall_export_metadata",
                ("{\"collections\":" + op.collections.size() + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void importInto(Op op) {
        Map<String, Map<String, Map<String, Object>>> db = databases.get(op.database);
        read(op.snapshot).forEach((c, docs) -> {
            if (op.collections.isEmpty() || op.collections.contains(c)) {
                Map<String, Map<String, Object>> into = db.computeIfAbsent(c, k -> new TreeMap<>());
                into.putAll(docs); // same-name documents overwritten, the others kept: an import never deletes
            }
        });
    }

    private static String[] split(String uri) {
        if (uri == null || !uri.startsWith("gs://")) {
            throw Status.INVALID_ARGUMENT.withDescription("Invalid URI: '" + uri + "', must start with gs://")
                    .asRuntimeException();
        }
        String rest = uri.substring(5);
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        int slash = rest.indexOf('/');
        return slash < 0 ? new String[] {rest, ""} : new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
    }

    private void known(String database) {
        if (!databases.containsKey(database)) {
            throw Status.NOT_FOUND.withDescription("Database '" + database + "' does not exist.").asRuntimeException();
        }
    }

    private synchronized Operation export(ExportDocumentsRequest req) {
        mutatingCalls.incrementAndGet();
        known(req.getName());
        String[] bp = split(req.getOutputUriPrefix());
        if (!storage.bucketExists(bp[0])) {
            throw Status.FAILED_PRECONDITION.withDescription("Bucket " + bp[0] + " does not exist or the service "
                    + "account has no access to it.").asRuntimeException();
        }
        Instant now = clock.instant();
        // A bare bucket gets a prefix named from the start time, as the API does.
        String prefix = bp[1].isEmpty() ? "gs://" + bp[0] + "/" + now.toString().replace(".", "_")
                : "gs://" + bp[0] + "/" + bp[1];
        byte[] data = snapshot(req.getName(), req.getCollectionIdsList());
        Status failure = failNextExport;
        failNextExport = null;
        Op op = new Op(req.getName() + "/operations/" + UUID.randomUUID(), true, req.getName(), prefix,
                req.getCollectionIdsList(), now, operationDelay, failure, data, count(data));
        operations.put(op.name, op);
        settle();
        return proto(op);
    }

    private synchronized Operation importDocs(ImportDocumentsRequest req) {
        mutatingCalls.incrementAndGet();
        if (refuseNextImport != null) {
            Status s = refuseNextImport;
            refuseNextImport = null;
            throw s.asRuntimeException();
        }
        known(req.getName());
        String[] bp = split(req.getInputUriPrefix());
        String last = bp[1].substring(bp[1].lastIndexOf('/') + 1);
        byte[] data = exported(bp[0], bp[1]);
        if (bp[1].isEmpty() || data == null || storage.read(bp[0], bp[1] + "/" + last + ".overall_export_metadata") == null) {
            throw Status.INVALID_ARGUMENT.withDescription("Invalid input_uri_prefix '" + req.getInputUriPrefix()
                    + "': no completed export there.").asRuntimeException();
        }
        Status failure = failNextImport;
        failNextImport = null;
        long docs = read(data).entrySet().stream().filter(e -> req.getCollectionIdsCount() == 0
                || req.getCollectionIdsList().contains(e.getKey())).mapToLong(e -> e.getValue().size()).sum();
        Op op = new Op(req.getName() + "/operations/" + UUID.randomUUID(), false, req.getName(),
                "gs://" + bp[0] + "/" + bp[1], req.getCollectionIdsList(), clock.instant(), operationDelay, failure,
                data, docs);
        operations.put(op.name, op);
        settle();
        return proto(op);
    }

    /** The operation as the API shows it now: progress grows with the time it has run. */
    private Operation proto(Op op) {
        Instant now = clock.instant();
        double f = op.done ? (op.failure == null ? 1.0 : 0.5) : op.delay.isZero() ? 1.0
                : Math.min(1.0, Duration.between(op.start, now).toMillis() / (double) op.delay.toMillis());
        long bytes = op.snapshot.length;
        Progress docs = Progress.newBuilder().setEstimatedWork(op.documents).setCompletedWork((long) (op.documents * f))
                .build();
        Progress size = Progress.newBuilder().setEstimatedWork(bytes).setCompletedWork((long) (bytes * f)).build();
        OperationState state = !op.done ? (f < 0.1 ? OperationState.INITIALIZING : OperationState.PROCESSING)
                : op.failure == null ? OperationState.SUCCESSFUL : OperationState.FAILED;
        Any metadata;
        if (op.export) {
            ExportDocumentsMetadata.Builder m = ExportDocumentsMetadata.newBuilder().setStartTime(Grpc.timestamp(op.start))
                    .setOperationState(state).setProgressDocuments(docs).setProgressBytes(size)
                    .addAllCollectionIds(op.collections).setOutputUriPrefix(op.prefix);
            if (op.end != null) {
                m.setEndTime(Grpc.timestamp(op.end));
            }
            metadata = Any.pack(m.build());
        } else {
            ImportDocumentsMetadata.Builder m = ImportDocumentsMetadata.newBuilder().setStartTime(Grpc.timestamp(op.start))
                    .setOperationState(state).setProgressDocuments(docs).setProgressBytes(size)
                    .addAllCollectionIds(op.collections).setInputUriPrefix(op.prefix);
            if (op.end != null) {
                m.setEndTime(Grpc.timestamp(op.end));
            }
            metadata = Any.pack(m.build());
        }
        Operation.Builder b = Operation.newBuilder().setName(op.name).setMetadata(metadata).setDone(op.done);
        if (op.done) {
            if (op.failure != null) {
                b.setError(com.google.rpc.Status.newBuilder().setCode(op.failure.getCode().value())
                        .setMessage(String.valueOf(op.failure.getDescription())));
            } else {
                b.setResponse(op.export ? Any.pack(ExportDocumentsResponse.newBuilder().setOutputUriPrefix(op.prefix)
                        .build()) : Any.pack(Empty.getDefaultInstance()));
            }
        }
        return b.build();
    }

    private final class Api extends FirestoreAdminGrpc.FirestoreAdminImplBase {
        @Override
        public void getDatabase(GetDatabaseRequest req, StreamObserver<Database> obs) {
            Grpc.answer(obs, () -> {
                synchronized (FirestoreAdminEmulator.this) {
                    known(req.getName());
                    return Database.newBuilder().setName(req.getName()).setLocationId("nam5")
                            .setType(Database.DatabaseType.FIRESTORE_NATIVE).build();
                }
            });
        }

        @Override
        public void exportDocuments(ExportDocumentsRequest req, StreamObserver<Operation> obs) {
            Grpc.answer(obs, () -> export(req));
        }

        @Override
        public void importDocuments(ImportDocumentsRequest req, StreamObserver<Operation> obs) {
            Grpc.answer(obs, () -> importDocs(req));
        }
    }

    private final class OperationsApi extends OperationsGrpc.OperationsImplBase {
        @Override
        public void getOperation(GetOperationRequest req, StreamObserver<Operation> obs) {
            Grpc.answer(obs, () -> {
                synchronized (FirestoreAdminEmulator.this) {
                    settle();
                    Op op = operations.get(req.getName());
                    if (op == null) {
                        throw Status.NOT_FOUND.withDescription("Operation " + req.getName() + " not found.")
                                .asRuntimeException();
                    }
                    return proto(op);
                }
            });
        }

        /** The operations of the database {@code name}, as gcloud firestore operations list shows them. */
        @Override
        public void listOperations(ListOperationsRequest req, StreamObserver<ListOperationsResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (FirestoreAdminEmulator.this) {
                    settle();
                    List<Operation> out = new ArrayList<>();
                    for (Op op : operations.values()) {
                        if (op.database.equals(req.getName())) {
                            out.add(proto(op));
                        }
                    }
                    return ListOperationsResponse.newBuilder().addAllOperations(out).build();
                }
            });
        }
    }
}

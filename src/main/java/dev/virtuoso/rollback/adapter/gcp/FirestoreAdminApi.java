package dev.virtuoso.rollback.adapter.gcp;

import com.google.api.gax.rpc.NotFoundException;
import com.google.firestore.admin.v1.ExportDocumentsMetadata;
import com.google.firestore.admin.v1.ExportDocumentsRequest;
import com.google.firestore.admin.v1.ImportDocumentsMetadata;
import com.google.firestore.admin.v1.ImportDocumentsRequest;
import com.google.firestore.admin.v1.OperationState;
import com.google.firestore.admin.v1.Progress;
import com.google.longrunning.Operation;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.FirestoreOperation;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.FirestoreAdmin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@link FirestoreAdmin} over the Firestore Admin v1 client. Import and export are sent through
 * their plain callables, which answer with the {@code google.longrunning.Operation} itself
 * ({@code projects/P/databases/D/operations/ID}); the operation is then read by name through the
 * client's Operations client, whose ListOperations takes the database as its {@code name}.
 */
public final class FirestoreAdminApi implements FirestoreAdmin {
    private static final String API = "Firestore Admin";
    private final GcpClients clients;

    public FirestoreAdminApi(GcpClients clients) {
        this.clients = clients;
    }

    static String databaseName(String project, String database) {
        return "projects/" + project + "/databases/" + database;
    }

    @Override
    public Optional<String> database(String project, String database) {
        String name = databaseName(project, database);
        try {
            return Optional.of(clients.firestoreAdmin().getDatabase(name).getName());
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "database " + name, e);
        }
    }

    @Override
    public FirestoreOperation exportDocuments(String project, String database, List<String> collections,
                                              String outputPrefix) {
        String name = databaseName(project, database);
        try {
            return toOperation(clients.firestoreAdmin().exportDocumentsCallable().call(ExportDocumentsRequest
                    .newBuilder().setName(name).addAllCollectionIds(collections).setOutputUriPrefix(outputPrefix)
                    .build()));
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "export of " + name + " to " + outputPrefix, e);
        }
    }

    @Override
    public FirestoreOperation importDocuments(String project, String database, List<String> collections,
                                              String inputPrefix) {
        String name = databaseName(project, database);
        try {
            return toOperation(clients.firestoreAdmin().importDocumentsCallable().call(ImportDocumentsRequest
                    .newBuilder().setName(name).addAllCollectionIds(collections).setInputUriPrefix(inputPrefix)
                    .build()));
        } catch (RuntimeException e) {
            // The backup was taken before this call: whatever the API says, it is not "nothing changed".
            RunbookException r = GcpErrors.translate(API, "import of " + inputPrefix + " into " + name, e);
            throw new RunbookException(ExitCode.API_FAILURE, r.getMessage(), e);
        }
    }

    @Override
    public List<FirestoreOperation> operations(String project, String database) {
        String name = databaseName(project, database);
        List<FirestoreOperation> out = new ArrayList<>();
        try {
            for (Operation op : clients.firestoreAdmin().getOperationsClient().listOperations(name, "").iterateAll()) {
                if (op.getMetadata().is(ExportDocumentsMetadata.class) || op.getMetadata().is(ImportDocumentsMetadata.class)) {
                    out.add(toOperation(op)); // index and field operations are listed too
                }
            }
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "operations of " + name, e);
        }
        out.sort(Comparator.comparing((FirestoreOperation o) -> o.start() == null ? Instant.MIN : o.start()).reversed());
        return out;
    }

    @Override
    public FirestoreOperation operation(String name) {
        try {
            return toOperation(clients.firestoreAdmin().getOperationsClient().getOperation(name));
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "operation " + name, e);
        }
    }

    static FirestoreOperation toOperation(Operation op) {
        String error = op.hasError() ? com.google.rpc.Code.forNumber(op.getError().getCode()) + ": "
                + op.getError().getMessage() : null;
        try {
            if (op.getMetadata().is(ExportDocumentsMetadata.class)) {
                ExportDocumentsMetadata m = op.getMetadata().unpack(ExportDocumentsMetadata.class);
                return new FirestoreOperation(op.getName(), FirestoreOperation.Type.EXPORT,
                        state(op, m.getOperationState()), op.getDone(), error, instant(m.hasStartTime(), m.getStartTime()),
                        instant(m.hasEndTime(), m.getEndTime()), m.getProgressDocuments().getCompletedWork(),
                        m.getProgressDocuments().getEstimatedWork(), m.getProgressBytes().getCompletedWork(),
                        m.getProgressBytes().getEstimatedWork(), m.getOutputUriPrefix(), m.getCollectionIdsList());
            }
            if (op.getMetadata().is(ImportDocumentsMetadata.class)) {
                ImportDocumentsMetadata m = op.getMetadata().unpack(ImportDocumentsMetadata.class);
                Progress docs = m.getProgressDocuments();
                return new FirestoreOperation(op.getName(), FirestoreOperation.Type.IMPORT,
                        state(op, m.getOperationState()), op.getDone(), error, instant(m.hasStartTime(), m.getStartTime()),
                        // An import's metadata may carry no progress at all: 0 would read as "nothing imported".
                        instant(m.hasEndTime(), m.getEndTime()), m.hasProgressDocuments() ? docs.getCompletedWork() : -1,
                        docs.getEstimatedWork(),
                        m.getProgressBytes().getCompletedWork(), m.getProgressBytes().getEstimatedWork(),
                        m.getInputUriPrefix(), m.getCollectionIdsList());
            }
        } catch (InvalidProtocolBufferException e) {
            throw new RunbookException(ExitCode.API_FAILURE, API + ": unreadable metadata of " + op.getName(), e);
        }
        throw new RunbookException(ExitCode.API_FAILURE, API + ": operation " + op.getName()
                + " is neither an import nor an export (" + op.getMetadata().getTypeUrl() + ")");
    }

    /**
     * The metadata's state; a done operation whose metadata was not updated to a final state (the
     * LRO contract says only done and error) is named by its outcome.
     */
    private static String state(Operation op, OperationState s) {
        boolean terminal = s == OperationState.SUCCESSFUL || s == OperationState.FAILED || s == OperationState.CANCELLED;
        if (op.getDone() && !terminal) {
            return op.hasError() ? "FAILED" : "SUCCESSFUL";
        }
        return s.name();
    }

    private static Instant instant(boolean has, Timestamp t) {
        return has ? Instant.ofEpochSecond(t.getSeconds(), t.getNanos()) : null;
    }
}

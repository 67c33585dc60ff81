package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.FirestoreOperation;
import java.util.List;
import java.util.Optional;

/**
 * Port: Firestore's managed import and export (the Firestore Admin API). Both are long-running
 * operations: the calls return the operation's name at once, and {@link #operation} reads it
 * again (its state and progress) until it is done.
 */
public interface FirestoreAdmin {
    /** The database {@code projects/P/databases/D}, or empty when it does not exist. */
    @ReadOnly
    Optional<String> database(String project, String database);

    /** Starts an export of {@code collections} (empty: all) to {@code outputPrefix}; returns the operation. */
    @Mutating
    FirestoreOperation exportDocuments(String project, String database, List<String> collections, String outputPrefix);

    /** Starts an import of {@code collections} (empty: all in the export) from {@code inputPrefix}. */
    @Mutating
    FirestoreOperation importDocuments(String project, String database, List<String> collections, String inputPrefix);

    /** The import and export operations of the database that the API still lists, newest first. */
    @ReadOnly
    List<FirestoreOperation> operations(String project, String database);

    /** One operation, read again. */
    @ReadOnly
    FirestoreOperation operation(String name);
}

package dev.virtuoso.rollback.port;

import java.util.List;
import java.util.Optional;

/**
 * Port (read-only): what Cloud Storage holds under a {@code gs://BUCKET/PREFIX}, to tell a
 * completed Firestore export from anything else before an import is sent.
 */
public interface FirestoreExports {
    /** Whether {@code uri} is the output prefix of a completed managed export. */
    @ReadOnly
    boolean completed(String uri);

    /** Whether any object is stored under {@code uri} (as a folder: {@code uri + "/"}). */
    @ReadOnly
    boolean holdsObjects(String uri);

    /**
     * The collection ids the export at {@code uri} holds, when its layout names them: an export of
     * chosen collections writes one folder per collection, {@code kind_<id>}; an export of every
     * collection writes a single {@code all_kinds} folder, which names none (then empty).
     */
    @ReadOnly
    Optional<List<String>> collections(String uri);

    /** How {@link #completed} decides, for people: named in the error of a prefix that is no export. */
    @ReadOnly
    String howChecked(String uri);
}

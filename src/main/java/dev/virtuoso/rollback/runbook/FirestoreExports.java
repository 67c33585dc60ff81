package dev.virtuoso.rollback.runbook;

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

    /** How {@link #completed} decides, for people: named in the error of a prefix that is no export. */
    @ReadOnly
    String howChecked(String uri);
}

package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.List;

/**
 * A Firestore import or export operation as its metadata describes it: {@code state} is the
 * API's OperationState (INITIALIZING, PROCESSING, FINALIZING, SUCCESSFUL, FAILED, CANCELLING,
 * CANCELLED); {@code prefix} the export's output or the import's input; progress in documents and
 * bytes (0 of 0 while the API has no estimate; documents done -1 when an import reports no progress,
 * which its documents check then cannot judge). {@code error} is the operation's error, or null.
 */
public record FirestoreOperation(String name, Type type, String state, boolean done, String error, Instant start,
                                 Instant end, long documentsDone, long documentsTotal, long bytesDone, long bytesTotal,
                                 String prefix, List<String> collections) {
    public enum Type { EXPORT, IMPORT }

    public FirestoreOperation {
        collections = collections == null ? List.of() : List.copyOf(collections);
    }

    /** Done and successful: an export that can be imported, an import whose documents are written. */
    public boolean succeeded() {
        return done && error == null && "SUCCESSFUL".equals(state);
    }

    /** Done, but not successful: why. */
    public String failure() {
        if (!done || succeeded()) {
            return null;
        }
        return error != null ? error : "operation ended " + state;
    }

    /** "1,204/3,000 documents, 2.1/5.0 MB": what the metadata says of its progress. */
    public String progress() {
        if (documentsTotal <= 0 && documentsDone <= 0) {
            return "no estimate yet";
        }
        String docs = documentsDone + (documentsTotal > 0 ? "/" + documentsTotal : "") + " documents";
        return bytesTotal > 0 || bytesDone > 0 ? docs + ", " + bytes(bytesDone) + (bytesTotal > 0 ? "/"
                + bytes(bytesTotal) : "") : docs;
    }

    private static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }

    /** The short id, the last part of the name. */
    public String id() {
        return name.substring(name.lastIndexOf('/') + 1);
    }
}

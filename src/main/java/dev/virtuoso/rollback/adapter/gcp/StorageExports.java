package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.FirestoreExports;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link FirestoreExports} over Cloud Storage. A managed Firestore export writes, when (and only
 * when) it completes, one object named after the last segment of its output prefix:
 * {@code gs://B/path/NAME/NAME.overall_export_metadata} (the layout the Firestore export/import
 * documentation shows; the per-collection files sit beside it under {@code all_namespaces/}). Its
 * presence is what tells a completed export from a prefix that holds nothing, a partial export
 * (cancelled or failed ones leave files but no overall metadata) or a mistyped path.
 */
public final class StorageExports implements FirestoreExports {
    private static final String API = "Cloud Storage";
    private final GcpClients clients;

    public StorageExports(GcpClients clients) {
        this.clients = clients;
    }

    @Override
    public boolean completed(String uri) {
        BlobId id = metadataObject(uri);
        try {
            Blob b = clients.storage().get(id);
            return b != null && b.exists();
        } catch (RunbookException e) {
            throw e;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, id.toGsUtilUri(), e);
        }
    }

    @Override
    public boolean holdsObjects(String uri) {
        String[] bp = split(uri);
        try {
            return clients.storage().list(bp[0], Storage.BlobListOption.prefix(bp[1] + "/"),
                    Storage.BlobListOption.pageSize(1)).getValues().iterator().hasNext();
        } catch (RunbookException e) {
            throw e;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, uri, e);
        }
    }

    /**
     * Folders two levels down: {@code <prefix>/all_namespaces/kind_users/} (a namespace folder, then
     * a collection's, as the documentation's export layout and BigQuery's loads of single collections
     * show it). Listed by folder, so an export of many files costs two or three calls.
     */
    @Override
    public Optional<List<String>> collections(String uri) {
        String[] bp = split(uri);
        List<String> ids = new ArrayList<>();
        try {
            for (String namespace : folders(bp[0], bp[1] + "/")) {
                for (String kind : folders(bp[0], namespace)) {
                    String name = kind.substring(namespace.length(), kind.length() - 1);
                    if (name.equals("all_kinds")) {
                        return Optional.empty();
                    }
                    if (name.startsWith("kind_")) {
                        ids.add(name.substring("kind_".length()));
                    }
                }
            }
        } catch (RunbookException e) {
            throw e;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, uri, e);
        }
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids);
    }

    /** The folders directly under {@code prefix} (which ends with /), each ending with /. */
    private List<String> folders(String bucket, String prefix) {
        List<String> out = new ArrayList<>();
        for (Blob b : clients.storage().list(bucket, Storage.BlobListOption.prefix(prefix),
                Storage.BlobListOption.currentDirectory()).iterateAll()) {
            if (b.isDirectory()) {
                out.add(b.getName());
            }
        }
        return out;
    }

    @Override
    public String howChecked(String uri) {
        return "checked for " + metadataObject(uri).toGsUtilUri() + ", which an export writes when it completes";
    }

    static BlobId metadataObject(String uri) {
        String[] bp = split(uri);
        String last = bp[1].substring(bp[1].lastIndexOf('/') + 1);
        return BlobId.of(bp[0], bp[1] + "/" + last + ".overall_export_metadata");
    }

    /** {@code gs://B/P} (no trailing slash) → {B, P}. */
    private static String[] split(String uri) {
        String rest = uri.substring("gs://".length());
        int slash = rest.indexOf('/');
        return new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
    }
}

package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.util.Optional;

/**
 * Objects written only under a precondition, for the shared journal and its locks: a create with
 * {@code ifGenerationMatch} (0: the object must not exist, else the generation read) never replaces
 * what someone else wrote in between; Cloud Storage answers 412 instead.
 */
final class StorageObjects {
    static final String API = "Cloud Storage";
    private static final int PRECONDITION_FAILED = 412;

    private final GcpClients clients;
    private final String bucket;

    StorageObjects(GcpClients clients, String bucket) {
        this.clients = clients;
        this.bucket = bucket;
    }

    Storage storage() {
        return clients.storage();
    }

    String bucket() {
        return bucket;
    }

    /**
     * Creates {@code name} if its generation is {@code ifGenerationMatch} (0: it does not exist) and
     * returns the new generation, or empty when the precondition did not hold (412). The client
     * retries a write with a precondition on 5xx and lost answers, so a 412 may also be our own
     * write, retried after its answer was lost: the caller tells them apart by what it reads.
     */
    Optional<Long> create(String name, byte[] content, long ifGenerationMatch) {
        BlobInfo info = BlobInfo.newBuilder(BlobId.of(bucket, name, ifGenerationMatch == 0 ? null : ifGenerationMatch))
                .setContentType("application/json").build();
        try {
            Blob b = storage().create(info, content, ifGenerationMatch == 0 ? Storage.BlobTargetOption.doesNotExist()
                    : Storage.BlobTargetOption.generationMatch());
            return Optional.of(b.getGeneration());
        } catch (StorageException e) {
            if (e.getCode() == PRECONDITION_FAILED) {
                return Optional.empty();
            }
            throw failure(uri(name), e);
        } catch (RuntimeException e) {
            throw failure(uri(name), e);
        }
    }

    /** The object's bytes and generation, or empty when there is none. */
    Optional<Read> read(String name) {
        try {
            Blob b = storage().get(BlobId.of(bucket, name));
            if (b == null || !b.exists()) {
                return Optional.empty();
            }
            // Read that very generation: the bytes and the generation they are said to have must agree.
            byte[] bytes = storage().readAllBytes(BlobId.of(bucket, name, b.getGeneration()));
            return Optional.of(new Read(bytes, b.getGeneration()));
        } catch (StorageException e) {
            if (e.getCode() == 404) {
                return Optional.empty(); // deleted between the two calls
            }
            throw failure(uri(name), e);
        } catch (RuntimeException e) {
            throw failure(uri(name), e);
        }
    }

    /** Deletes generation {@code generation} of {@code name}; false when it is no longer that one (or gone). */
    boolean delete(String name, long generation) {
        try {
            return storage().delete(BlobId.of(bucket, name, generation), Storage.BlobSourceOption.generationMatch());
        } catch (StorageException e) {
            if (e.getCode() == PRECONDITION_FAILED) {
                return false;
            }
            throw failure(uri(name), e);
        } catch (RuntimeException e) {
            throw failure(uri(name), e);
        }
    }

    /**
     * A failed call, naming {@code resource}. The client's StorageException carries the HTTP status
     * and Google's message; every status is a cloud failure here (exit 4): the journal's place was
     * checked when it was read, so a missing bucket or permission is the cloud's state, not a typo.
     */
    static RunbookException failure(String resource, RuntimeException e) {
        if (e instanceof StorageException s) {
            return new RunbookException(ExitCode.API_FAILURE, API + ": " + resource + ": " + GcpErrors.firstLine(
                    s.getMessage()) + (s.getCode() > 0 ? " (HTTP " + s.getCode() + ")" : ""), e);
        }
        return GcpErrors.translate(API, resource, e);
    }

    String uri(String name) {
        return "gs://" + bucket + "/" + name;
    }

    record Read(byte[] bytes, long generation) {
    }
}

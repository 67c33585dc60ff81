package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.firestore.admin.v1.ImportDocumentsMetadata;
import com.google.firestore.admin.v1.OperationState;
import com.google.firestore.admin.v1.Progress;
import com.google.longrunning.Operation;
import com.google.protobuf.Any;
import dev.virtuoso.rollback.model.FirestoreOperation;
import org.junit.jupiter.api.Test;

class FirestoreAdminApiTest {
    private static Operation doneImport(ImportDocumentsMetadata.Builder metadata) {
        return Operation.newBuilder().setName("projects/p/databases/(default)/operations/i1").setDone(true)
                .setMetadata(Any.pack(metadata.setOperationState(OperationState.SUCCESSFUL)
                        .setInputUriPrefix("gs://b/x").build())).build();
    }

    @Test
    void anImportWithoutProgressIsUnknownNotZeroDocuments() {
        FirestoreOperation op = FirestoreAdminApi.toOperation(doneImport(ImportDocumentsMetadata.newBuilder()));
        assertThat(op.succeeded()).isTrue();
        assertThat(op.documentsDone()).isEqualTo(-1);
    }

    @Test
    void anImportThatReportsZeroDocumentsIsZero() {
        FirestoreOperation op = FirestoreAdminApi.toOperation(doneImport(ImportDocumentsMetadata.newBuilder()
                .setProgressDocuments(Progress.newBuilder().setCompletedWork(0).setEstimatedWork(0))));
        assertThat(op.documentsDone()).isZero();
    }
}

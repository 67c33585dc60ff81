package dev.virtuoso.rollback.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.adapter.gcp.FirestoreAdminApi;
import dev.virtuoso.rollback.adapter.gcp.GcpClients;
import dev.virtuoso.rollback.adapter.gcp.StorageExports;
import dev.virtuoso.rollback.model.FirestoreOperation;
import dev.virtuoso.rollback.model.RunbookException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real Firestore Admin and Cloud Storage clients (through the adapters) against the sandbox, time moved by hand. */
class FirestoreEmulatorTest {
    private static final String P = Sandbox.PROJECT;
    private final TestClock clock = new TestClock(Instant.parse("2026-07-24T10:00:00Z"));
    private final Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults(), clock);
    private final GcpClients clients = new GcpClients(sandbox.emulatorVariables());
    private final FirestoreAdminApi admin = new FirestoreAdminApi(clients);
    private final StorageExports exports = new StorageExports(clients);
    private final SandboxControls controls = new SandboxControls(sandbox);

    @AfterEach
    void stop() {
        clients.close();
        sandbox.close();
    }

    @Test
    void anUnknownDatabaseIsNotFoundAndTheSeededOneExists() {
        assertThat(admin.database(P, "(default)")).contains(Sandbox.FIRESTORE_DATABASE);
        assertThat(admin.database(P, "nope")).isEmpty();
    }

    @Test
    void theSeededExportIsCompletedAndAPrefixWithoutOverallMetadataIsNot() {
        String export = sandbox.firestoreExport();
        assertThat(export).startsWith("gs://virtuoso-sandbox-backups/2026-07-21T22:00:00_");
        assertThat(exports.completed(export)).isTrue();
        assertThat(exports.completed(export + "-failed")).isFalse();
        assertThat(exports.holdsObjects(export + "-failed")).isTrue();
        assertThat(exports.completed("gs://virtuoso-sandbox-backups/notes")).isFalse();
        assertThat(exports.holdsObjects("gs://virtuoso-sandbox-backups/nothing")).isFalse();
        assertThat(exports.completed("gs://no-such-bucket/x")).isFalse();
    }

    @Test
    void anExportOfChosenCollectionsNamesThemInItsFoldersAndAnExportOfAllNamesNone() {
        controls.setFirestoreOperationDelay(Duration.ZERO);
        admin.exportDocuments(P, "(default)", List.of("users"), "gs://virtuoso-sandbox-backups/users-only");
        admin.exportDocuments(P, "(default)", List.of(), "gs://virtuoso-sandbox-backups/everything");

        assertThat(exports.collections(sandbox.firestoreExport())).contains(List.of("commands", "users"));
        assertThat(exports.collections("gs://virtuoso-sandbox-backups/users-only")).contains(List.of("users"));
        assertThat(controls.backupObjects("users-only/")).contains(
                "users-only/all_namespaces/kind_users/all_namespaces_kind_users.export_metadata");
        assertThat(exports.collections("gs://virtuoso-sandbox-backups/everything")).isEmpty();
        assertThat(controls.backupObjects("everything/")).contains(
                "everything/all_namespaces/all_kinds/all_namespaces_all_kinds.export_metadata");
    }

    @Test
    void anExportGrowsItsProgressWithTheClockAndWritesItsFilesOnlyWhenItCompletes() {
        controls.setFirestoreOperationDelay(Duration.ofSeconds(10));
        String prefix = "gs://virtuoso-sandbox-backups/pre-restore-test";

        FirestoreOperation op = admin.exportDocuments(P, "(default)", List.of(), prefix);

        assertThat(op.name()).startsWith(Sandbox.FIRESTORE_DATABASE + "/operations/");
        assertThat(op.type()).isEqualTo(FirestoreOperation.Type.EXPORT);
        assertThat(op.done()).isFalse();
        assertThat(op.documentsTotal()).isEqualTo(6);
        assertThat(op.documentsDone()).isZero();
        clock.advance(Duration.ofSeconds(5));
        FirestoreOperation half = admin.operation(op.name());
        assertThat(half.state()).isEqualTo("PROCESSING");
        assertThat(half.documentsDone()).isEqualTo(3);
        assertThat(half.bytesDone()).isPositive().isLessThan(half.bytesTotal());
        assertThat(exports.completed(prefix)).isFalse();
        clock.advance(Duration.ofSeconds(5));
        FirestoreOperation done = admin.operation(op.name());
        assertThat(done.succeeded()).isTrue();
        assertThat(done.end()).isEqualTo(clock.instant());
        assertThat(exports.completed(prefix)).isTrue();
        assertThat(controls.backupObjects("pre-restore-test/"))
                .contains("pre-restore-test/pre-restore-test.overall_export_metadata");
    }

    @Test
    void anImportOverwritesSameNameDocumentsKeepsTheOthersAndHonoursTheCollections() {
        controls.setFirestoreOperationDelay(Duration.ZERO);
        controls.putFirestoreDocument("users", "alice", Map.of("name", "Alice", "role", "none"));

        FirestoreOperation users = admin.importDocuments(P, "(default)", List.of("users"), sandbox.firestoreExport());

        assertThat(users.succeeded()).isTrue();
        assertThat(controls.firestoreDocument("users", "alice")).containsEntry("role", "admin");
        assertThat(controls.firestoreDocument("users", "carol")).isNotNull();
        assertThat(controls.firestoreDocument("commands", "exists")).containsEntry("handler", "cache.lookup");
        admin.importDocuments(P, "(default)", List.of(), sandbox.firestoreExport());
        assertThat(controls.firestoreDocument("commands", "exists")).containsEntry("handler", "step.assert.exists");
    }

    @Test
    void anImportOfAPrefixThatIsNoExportIsRefused() {
        assertThatThrownBy(() -> admin.importDocuments(P, "(default)", List.of(), "gs://virtuoso-sandbox-backups/notes"))
                .isInstanceOf(RunbookException.class).hasMessageContaining("no completed export there");
    }

    @Test
    void operationsAreListedPerDatabaseNewestFirstWithAFailedOneSayingWhy() {
        sandbox.firestore().createDatabase("projects/" + P + "/databases/other");
        controls.setFirestoreOperationDelay(Duration.ZERO);
        admin.exportDocuments(P, "other", List.of(), "gs://virtuoso-sandbox-backups/other-db");
        clock.advance(Duration.ofSeconds(1));
        controls.failNextFirestoreExport(io.grpc.Status.PERMISSION_DENIED.withDescription("no access to the bucket"));
        admin.exportDocuments(P, "(default)", List.of("users"), "gs://virtuoso-sandbox-backups/denied");

        List<FirestoreOperation> ops = admin.operations(P, "(default)");

        assertThat(ops).hasSize(2);
        assertThat(ops.get(0).prefix()).isEqualTo("gs://virtuoso-sandbox-backups/denied");
        assertThat(ops.get(0).state()).isEqualTo("FAILED");
        assertThat(ops.get(0).failure()).isEqualTo("PERMISSION_DENIED: no access to the bucket");
        assertThat(ops.get(0).collections()).containsExactly("users");
        assertThat(ops.get(1).prefix()).isEqualTo(sandbox.firestoreExport());
        assertThat(admin.operations(P, "other")).hasSize(1);
        assertThat(exports.completed("gs://virtuoso-sandbox-backups/denied")).isFalse();
        assertThat(controls.firestoreMutations()).isEqualTo(2);
    }
}

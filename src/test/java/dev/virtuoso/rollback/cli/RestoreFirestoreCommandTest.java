package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RestoreFirestoreCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CliHarness cli = new CliHarness();
    private String export;

    @BeforeEach
    void fastOperations() {
        cli.controls.setFirestoreOperationDelay(Duration.ofMillis(30));
        export = cli.sandbox.firestoreExport();
    }

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void restoreExportsTheDatabaseFirstThenImportsOverwritingSameNameDocumentsAndKeepingNewerOnes() throws Exception {
        assertThat(cli.controls.firestoreDocument("commands", "exists")).containsEntry("handler", "cache.lookup");

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("not a point-in-time restore").contains("documents created since the export stay");
        // Overwritten from the export; created since the export: kept.
        assertThat(cli.controls.firestoreDocument("commands", "exists")).containsEntry("handler", "step.assert.exists");
        assertThat(cli.controls.firestoreDocument("users", "carol")).containsEntry("name", "Carol");
        assertThat(cli.controls.firestoreMutations()).isEqualTo(2);
        // The backup holds the database as it was before the import, and is journaled for undo.
        JsonNode planned = cli.journal().get(0);
        String backup = planned.path("before").path("backupTo").asText();
        assertThat(backup).startsWith("gs://virtuoso-sandbox-backups/pre-restore-");
        String prefix = backup.substring("gs://virtuoso-sandbox-backups/".length());
        assertThat(cli.controls.backupObjects(prefix + "/")).contains(prefix + "/" + prefix + ".overall_export_metadata");
        JsonNode applied = cli.journal().get(cli.journal().size() - 2);
        assertThat(applied.path("state").asText()).isEqualTo("applied");
        assertThat(applied.path("after").path("backupState").asText()).isEqualTo("SUCCESSFUL");
        assertThat(applied.path("after").path("importState").asText()).isEqualTo("SUCCESSFUL");
        assertThat(applied.path("after").path("importDocuments").asLong()).isEqualTo(5);
        assertThat(cli.journal().get(cli.journal().size() - 1).path("state").asText()).isEqualTo("verified");
        assertThat(r.out()).contains("checks: 1/1 passed").contains("✓  documents  documents imported");
    }

    @Test
    void aCollectionTheExportDoesNotHoldIsExit2NamingTheOnesItHoldsBeforeAnythingRuns() {
        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--collections", "userz", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --collections userz: no such collection in the export " + export
                + ", which holds commands, users; nothing was changed\n");
        assertThat(r.out()).isEmpty();
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void whereTheExportNamesNoCollectionThePlanSaysSoAndAnImportOfNothingFailsItsCheckWithExit3() throws Exception {
        assertThat(cli.rb("restore", "firestore", "--from", export, "--yes").code()).isZero();
        String everything = cli.journal().get(0).path("before").path("backupTo").asText(); // an export of all collections

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", everything, "--collections", "userz", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("names no collection in its layout (an export of every collection keeps them "
                + "in one all_kinds folder): userz could not be checked against it").contains("the import processed 0 documents of collections userz: does the "
                + "export hold that collection? Nothing was imported");
        assertThat(cli.journal().get(cli.journal().size() - 1).path("state").asText()).isEqualTo("failed");
    }

    @Test
    void backupExportFinishesBeforeTheImportStarts() throws Exception {
        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        CliHarness.Result list = cli.rb("restore", "firestore", "--list", "-o", "json");
        JsonNode ops = JSON.readTree(list.out()).path("operations");
        JsonNode imported = null;
        JsonNode backup = null;
        for (JsonNode o : ops) {
            if (o.path("type").asText().equals("IMPORT")) {
                imported = o;
            } else if (o.path("prefix").asText().contains("pre-restore-")) {
                backup = o;
            }
        }
        assertThat(backup).isNotNull();
        assertThat(imported).isNotNull();
        // As instants: Instant.toString() drops zero fractions, so "10:00:00Z" sorts after "10:00:00.5Z" as text.
        Instant backupEnded = Instant.parse(backup.path("end").asText());
        Instant importStarted = Instant.parse(imported.path("start").asText());
        assertThat(importStarted).isAfterOrEqualTo(backupEnded);
    }

    @Test
    void undoImportsTheBackupTakenBeforeTheRestoreAndSaysCreatedDocumentsStay() throws Exception {
        cli.controls.putFirestoreDocument("commands", "new-since", Map.of("name", "new-since"));
        assertThat(cli.rb("restore", "firestore", "--from", export, "--yes").code()).isZero();
        assertThat(cli.controls.firestoreDocument("commands", "deploy")).containsEntry("handler", "pipeline.deploy");

        CliHarness.Result undo = cli.rb("undo", "--yes");

        assertThat(undo.code()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("stay after this undo: an import never deletes");
        // Back to the state before the restore: the bad deploy's documents, as they were.
        assertThat(cli.controls.firestoreDocument("commands", "deploy")).containsEntry("handler", "cache.lookup");
        assertThat(cli.controls.firestoreDocument("commands", "new-since")).containsEntry("name", "new-since");
        // The undo itself backed up first: export, import, export, import.
        assertThat(cli.controls.firestoreMutations()).isEqualTo(4);
    }

    @Test
    void listShowsTheSeededExportAsTextAndJsonWithoutChangingAnything() throws Exception {
        CliHarness.Result text = cli.rb("restore", "firestore", "--list");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("EXPORT").contains("SUCCESSFUL").contains(export).contains("5/5 documents");
        CliHarness.Result json = cli.rb("restore", "firestore", "--list", "-o", "json");
        JsonNode doc = JSON.readTree(json.out());
        assertThat(doc.path("ok").asBoolean()).isTrue();
        assertThat(doc.path("database").asText()).isEqualTo("(default)");
        assertThat(doc.path("operations").get(0).path("prefix").asText()).isEqualTo(export);
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void onATerminalTheDatabaseIdMustBeTypedToConfirm() {
        cli.interactive = true;
        cli.stdin = "\ny\n";
        CliHarness.Result refused = cli.rb("restore", "firestore", "--from", export);
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("not confirmed (the answer was not (default))");
        assertThat(cli.controls.firestoreMutations()).isZero();

        cli.stdin = "\n(default)\n";
        CliHarness.Result typed = cli.rb("restore", "firestore", "--from", export);
        assertThat(typed.code()).as(typed.err()).isZero();
        assertThat(typed.out()).contains("Type (default) to apply this change");
        assertThat(cli.controls.firestoreMutations()).isEqualTo(2);
    }

    @Test
    void aFailedBackupExportStopsBeforeAnyImport() throws Exception {
        cli.controls.failNextFirestoreExport(Status.PERMISSION_DENIED.withDescription(
                "The caller does not have permission to write to the bucket"));

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");

        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("the backup export to gs://virtuoso-sandbox-backups/pre-restore-")
                .contains("failed").contains("no import was sent");
        assertThat(cli.controls.firestoreMutations()).isEqualTo(1);
        assertThat(cli.controls.firestoreDocument("commands", "exists")).containsEntry("handler", "cache.lookup");
        assertThat(cli.journal().get(cli.journal().size() - 1).path("state").asText()).isEqualTo("failed");
    }

    @Test
    void onlyTheNamedCollectionsAreBackedUpAndImported() throws Exception {
        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--collections", "users", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("the backup covers collections users");
        // Both operations the restore sent name the collection: the backup export and the import.
        JsonNode ops = JSON.readTree(cli.rb("restore", "firestore", "--list", "-o", "json").out()).path("operations");
        int sent = 0;
        for (JsonNode o : ops) {
            if (o.path("type").asText().equals("IMPORT") || o.path("prefix").asText().contains("pre-restore-")) {
                assertThat(o.path("collections").toString()).as(o.toString()).isEqualTo("[\"users\"]");
                sent++;
            }
        }
        assertThat(sent).isEqualTo(2);
        // commands was not imported: the bad deploy's document is still there.
        assertThat(cli.controls.firestoreDocument("commands", "exists")).containsEntry("handler", "cache.lookup");
    }

    @Test
    void dryRunShowsBothStepsAndMakesNoMutatingCall() {
        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("step 1: backup").contains("step 2: import").contains("nothing changed");
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void aBackupDestinationThatAlreadyHoldsAnExportIsRefusedBeforeAnythingRuns() {
        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--backup-to", export + "-failed",
                "--yes");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--backup-to " + export + "-failed already holds objects");
        assertThat(r.out()).isEmpty();
        assertThat(cli.controls.mutatingCalls()).isZero();
    }

    @Test
    void aFailedImportIsJournaledAsSentAndFailedWithTheBackupLeftForUndo() throws Exception {
        cli.controls.failNextFirestoreImport(Status.INTERNAL.withDescription("import worker crashed"));

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");

        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("the import from " + export + " failed: INTERNAL: import worker crashed")
                .contains("a failed import may be partial").contains("`rollback undo ");
        JsonNode last = cli.journal().get(cli.journal().size() - 1);
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("after").path("backupState").asText()).isEqualTo("SUCCESSFUL");
        assertThat(last.path("after").path("importState").asText()).isEqualTo("FAILED");
    }

    @Test
    void anImportStartedElsewhereIsAdoptedNotSentAgainAndNoBackupIsClaimedForIt() throws Exception {
        cli.controls.setFirestoreOperationDelay(Duration.ofSeconds(2));
        try (var clients = new dev.virtuoso.rollback.adapter.gcp.GcpClients(cli.env())) {
            new dev.virtuoso.rollback.adapter.gcp.FirestoreAdminApi(clients).importDocuments(
                    dev.virtuoso.rollback.sandbox.Sandbox.PROJECT, "(default)", List.of(), export);
        }

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("adopted the change already in flight")
                .contains("backup: none found before the import in flight; this run took none")
                .doesNotContain("pre-restore-");
        assertThat(cli.controls.firestoreMutations()).isEqualTo(1);
        assertThat(cli.controls.firestoreDocument("commands", "exists")).containsEntry("handler", "step.assert.exists");
    }

    @Test
    void aReRunAfterARunStoppedDuringItsImportShowsTheBackupThatRunTookNotItsOwnUnusedPrefix() throws Exception {
        cli.controls.setFirestoreOperationDelay(Duration.ofSeconds(1));
        // Ctrl-C once the import was sent, after the backup export finished.
        cli.sleeper = d -> {
            if (cli.controls.firestoreMutations() == 2) {
                throw new InterruptedException();
            }
            Thread.sleep(Math.min(d.toMillis(), 20));
        };
        assertThat(cli.rb("restore", "firestore", "--from", export, "--yes").code()).isEqualTo(130);
        String taken = cli.journal().get(0).path("before").path("backupTo").asText();
        cli.sleeper = d -> Thread.sleep(Math.min(d.toMillis(), 20));

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("adopted the change already in flight")
                .contains("backup: " + taken + " (SUCCESSFUL, taken before the import in flight)");
        assertThat(cli.controls.firestoreMutations()).isEqualTo(2);
    }

    @Test
    void anImportRefusedAfterTheBackupIsJournaledAsNothingChangedNamingTheBackupAndLeftOutOfUndo() throws Exception {
        cli.controls.refuseNextFirestoreImport(Status.UNAVAILABLE.withDescription("the service is restarting"));

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", export, "--yes");

        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).contains("nothing was changed; the backup export to "
                + "gs://virtuoso-sandbox-backups/pre-restore-").contains("finished and stays").doesNotContain("undo");
        assertThat(cli.controls.firestoreDocument("commands", "exists")).containsEntry("handler", "cache.lookup");
        JsonNode last = cli.journal().get(cli.journal().size() - 1);
        assertThat(last.path("state").asText()).isEqualTo("failed");
        assertThat(last.path("after").path("backupState").asText()).isEqualTo("SUCCESSFUL");
        assertThat(last.path("after").has("importOperation")).isFalse();
        assertThat(last.path("changed").asBoolean()).isFalse();
    }

    @Test
    void theWaitEndsAtTimeoutWithExit4AndNoImportSentWhileTheBackupStillRuns() throws Exception {
        cli.controls.setFirestoreOperationDelay(java.time.Duration.ofHours(2));
        cli.manualTime(); // the tool's time moves only as it waits: the 5 minutes pass at once

        CliHarness.Result r = cli.rb("restore", "firestore", "--from", cli.sandbox.firestoreExport(), "--timeout", "5m",
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        // The wait ended at --timeout (5m, less the reads before it), not at the default hour.
        assertThat(r.err()).containsPattern("the backup export to \\S+ is still running after 2\\d\\d\\.\\ds")
                .contains("no import was sent; nothing was changed").doesNotContain("rollback undo");
        assertThat(cli.controls.firestoreMutations()).isEqualTo(1);
    }

    @Test
    void aDryRunOfTheUndoOfARestoreShowsItsPlanAndMakesNoMutatingCall() throws Exception {
        assertThat(cli.rb("restore", "firestore", "--from", export, "--yes").code()).isZero();
        int calls = cli.controls.mutatingCalls();
        var journal = cli.journal();

        CliHarness.Result dry = cli.rb("--dry-run", "undo");

        assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
        assertThat(dry.out()).contains("dry run: ").contains("gs://virtuoso-sandbox-backups/pre-restore-");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(cli.journal()).isEqualTo(journal);
    }
}

package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Service;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.monitoring.v3.AlertPolicy;
import io.grpc.Status;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The sandbox's test controls: faults, other actors, counters. They live with the tests, not in
 * the product's public classes, so `rollback sandbox` users never see them.
 */
public final class SandboxControls {
    private final Sandbox sandbox;

    public SandboxControls(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    /** Every call that changed (or asked to change) something, over all emulated APIs and the webhook. */
    public int mutatingCalls() {
        return cloudRunMutations() + sandbox.monitoring().policyWrites() + sandbox.secretManager().mutatingCalls()
                + sandbox.webhook().messages().size() + firestoreMutations();
    }

    /** ExportDocuments and ImportDocuments received by the Firestore Admin emulator. */
    public int firestoreMutations() {
        return sandbox.firestore().mutatingCalls();
    }

    /** How long a Firestore import or export takes, on the sandbox's clock. */
    public void setFirestoreOperationDelay(Duration delay) {
        sandbox.firestore().setOperationDelay(delay);
    }

    /** The next export is accepted and its operation ends in error. */
    public void failNextFirestoreExport(Status status) {
        sandbox.firestore().failNextExport(status);
    }

    /** The next import is accepted and its operation ends in error. */
    public void failNextFirestoreImport(Status status) {
        sandbox.firestore().failNextImport(status);
    }

    /** The next import call is refused at once: no operation is created. */
    public void refuseNextFirestoreImport(Status status) {
        sandbox.firestore().refuseNextImport(status);
    }

    /** A document of the sandbox's (default) database, or null. */
    public Map<String, Object> firestoreDocument(String collection, String id) {
        return sandbox.firestore().document(Sandbox.FIRESTORE_DATABASE, collection, id);
    }

    public void putFirestoreDocument(String collection, String id, Map<String, Object> fields) {
        sandbox.firestore().putDocument(Sandbox.FIRESTORE_DATABASE, collection, id, fields);
    }

    /** Object names in the sandbox's backup bucket under {@code prefix}. */
    public List<String> backupObjects(String prefix) {
        return sandbox.storage().names(Sandbox.BACKUP_BUCKET, prefix);
    }

    public int cloudRunMutations() {
        return sandbox.cloudRun().mutatingCalls();
    }

    public Service service() {
        return service(Sandbox.SERVICE);
    }

    public Service service(String name) {
        return sandbox.cloudRun().service(Sandbox.servicePath(name));
    }

    /** Another actor changes the service (applied and reconciled at once). */
    public void changeService(UnaryOperator<Service> change) {
        sandbox.cloudRun().changeService(Sandbox.servicePath(Sandbox.SERVICE), change);
    }

    public void onGetService(Runnable hook) {
        sandbox.cloudRun().onGetService(hook);
    }

    public void setOperationDelay(Duration delay) {
        sandbox.cloudRun().setOperationDelay(delay);
    }

    /** How long a new revision takes to start (Ready, or FAILED for an image that fails to start). */
    public void setRevisionStartDelay(Duration delay) {
        sandbox.cloudRun().setRevisionStartDelay(delay);
    }

    /** Revisions still starting finish now: Ready, or FAILED for an image that fails to start. */
    public void startRevisionsNow() {
        sandbox.cloudRun().startRevisionsNow();
    }

    /** Operations still waiting out the operation delay finish now. */
    public void completeOperationsNow() {
        sandbox.cloudRun().completeOperationsNow();
    }

    /** Revisions of this image never listen on their port: Ready=FAILED, the deploy ends in error. */
    public void imageFailsToStart(String image) {
        sandbox.cloudRun().markFailsToStart(image);
    }

    /** Revisions of this image become Ready, then answer 503/500. */
    public void imageIsBroken(String image) {
        sandbox.cloudRun().markBroken(image);
    }

    public void failNextUpdate(Status status) {
        sandbox.cloudRun().failNextUpdate(status);
    }

    public void loseNextAnswer(Status status) {
        sandbox.cloudRun().loseNextAnswer(status);
    }

    public void failNextOperation(Status status) {
        sandbox.cloudRun().failNextOperation(status);
    }

    public void failAfterDone(String message) {
        sandbox.cloudRun().failAfterDone(message);
    }

    public void failOperationPolls(Status status, int times) {
        sandbox.cloudRun().failOperationPolls(status, times);
    }

    public void failReads(Status status, int times) {
        sandbox.cloudRun().failReads(status, times);
    }

    /** The revision stops being Ready. */
    public void notReady(String revision, String message) {
        sandbox.cloudRun().notReady(revision, message);
    }

    /** From {@code since} on, these revisions served these percents. */
    public record Serving(Instant since, Map<String, Integer> percents) {
    }

    /** Who served what over time, oldest first. */
    public List<Serving> timeline() {
        return sandbox.cloudRun().timeline(Sandbox.servicePath(Sandbox.SERVICE)).stream()
                .map(s -> new Serving(s.since(), s.percents())).toList();
    }

    public void setRequestsPerMinute(double rpm) {
        sandbox.monitoring().setRequestsPerMinute(rpm);
    }

    public int policyWrites() {
        return sandbox.monitoring().policyWrites();
    }

    public List<AlertPolicy> policies() {
        return sandbox.monitoring().policies();
    }

    public List<SecretVersion> secretVersions() {
        return sandbox.secretManager().versions("projects/" + Sandbox.PROJECT + "/secrets/" + Sandbox.API_KEY_SECRET);
    }

    /** Someone disables or destroys a version of the API key secret. */
    public void apiKeyVersion(int version, SecretVersion.State state) {
        sandbox.secretManager().changeState("projects/" + Sandbox.PROJECT + "/secrets/" + Sandbox.API_KEY_SECRET
                + "/versions/" + version, state);
    }

    public URI webhookUrl() {
        return sandbox.webhookUrl();
    }

    public List<String> webhookMessages() {
        return sandbox.webhook().messages();
    }

    public void webhookFailsWith(int httpStatus) {
        sandbox.webhook().failWith(httpStatus);
    }

    /** The webhook stops answering (its host is gone). */
    public void webhookHangs() {
        sandbox.webhook().hang();
    }
}

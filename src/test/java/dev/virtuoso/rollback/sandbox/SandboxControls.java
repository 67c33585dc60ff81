package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.monitoring.v3.AlertPolicy;
import io.grpc.Status;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
        return cloudRunMutations() + sandbox.monitoring().policyWrites() + sandbox.monitoring().channelWrites()
                + sandbox.secretManager().mutatingCalls() + sandbox.webhook().messages().size()
                + sandbox.webhook().files().size() + sandbox.bigQuery().mutatingCalls() + firestoreMutations()
                + sandbox.storage().writes().size();
    }

    /**
     * Every Cloud Storage write received (creates and deletes), oldest first, as
     * {@code "POST bucket/name ifGenerationMatch=0 -> 200"}, with {@code " (replaced)"} when a create
     * replaced an object that existed.
     */
    public List<String> storageWrites() {
        return sandbox.storage().writes().stream().map(Object::toString).toList();
    }

    /** The next {@code times} Cloud Storage writes of objects whose name contains {@code part} answer {@code status}. */
    public void failStorageWrites(int status, int times, String part) {
        sandbox.storage().failWrites(status, times, name -> name.contains(part));
    }

    /**
     * The next {@code times} Cloud Storage creates of objects whose name contains {@code part} are made,
     * but answered {@code status}, as when the answer is lost: the client retries them.
     */
    public void loseStorageAnswers(int status, int times, String part) {
        sandbox.storage().failWrites(status, times, name -> name.contains(part), true);
    }

    /** Cloud Storage stops answering: every request from now on hangs until {@link #answerStorage()}. */
    public void hangStorage() {
        sandbox.storage().hang();
    }

    /** Cloud Storage requests received and hanging. */
    public int hangingStorageRequests() {
        return sandbox.storage().hanging();
    }

    /** Cloud Storage answers again, hanging requests first. */
    public void answerStorage() {
        sandbox.storage().answer();
    }

    /** Names of the objects of the journal bucket under {@code prefix}. */
    public List<String> journalObjects(String prefix) {
        return sandbox.storage().names(Sandbox.JOURNAL_BUCKET, prefix);
    }

    /** An object of the journal bucket as text, or null. */
    public String journalObject(String name) {
        byte[] b = sandbox.storage().read(Sandbox.JOURNAL_BUCKET, name);
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Writes an object into the journal bucket as someone else would (a colleague's lock). */
    public void putJournalObject(String name, String content) {
        sandbox.storage().put(Sandbox.JOURNAL_BUCKET, name, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** BigQuery jobs that write (copies, DML) and table deletes. */
    public int bigQueryMutations() {
        return sandbox.bigQuery().mutatingCalls();
    }

    /** Every BigQuery request as "METHOD path", oldest first. */
    public List<String> bigQueryRequests() {
        return sandbox.bigQuery().requests();
    }

    /** How long a BigQuery job takes to finish. */
    public void setBigQueryJobDelay(Duration delay) {
        sandbox.bigQuery().setJobDelay(delay);
    }

    /** BigQuery refuses (400) to create jobs whose id contains {@code idPart}. */
    public void rejectBigQueryJobs(String idPart, String message) {
        sandbox.bigQuery().rejectJobs(idPart, message);
    }

    /** BigQuery jobs whose id contains {@code idPart} fail with {@code message}. */
    public void failBigQueryJobs(String idPart, String message) {
        sandbox.bigQuery().failJobs(idPart, message);
    }

    /** When a BigQuery job whose id contains {@code idPart} finishes, someone writes {@code rows} to the table. */
    public void bigQueryWriteAfterJob(String idPart, String dataset, String table, List<String> rows) {
        sandbox.bigQuery().afterJob(idPart, () -> sandbox.bigQuery().change(Sandbox.PROJECT, dataset, table,
                java.time.Instant.now(), rows));
    }

    /** A new BigQuery dataset with a table {@code t} of {@code rows} rows; {@code hours} 0: maxTimeTravelHours unset. */
    public void bigQueryDataset(String dataset, long hours, int rows) {
        java.time.Instant created = java.time.Instant.now().minus(Duration.ofDays(10));
        sandbox.bigQuery().dataset(Sandbox.PROJECT, dataset, hours, created);
        sandbox.bigQuery().table(Sandbox.PROJECT, dataset, "t", created,
                java.util.stream.IntStream.range(0, rows).mapToObj(i -> "r" + i).toList());
    }

    /** A table {@code to} like {@code from} of the sandbox project: its layout and the history of its rows. */
    public void bigQueryTableLike(String dataset, String from, String to) {
        sandbox.bigQuery().copyTable(Sandbox.PROJECT, dataset, from, Sandbox.PROJECT, to);
    }

    /** A dataset of the same name in {@code project} (7 days of time travel) with a table {@code to} like {@code from}. */
    public void bigQueryTableInProject(String project, String dataset, String from, String to) {
        sandbox.bigQuery().dataset(project, dataset, 168, java.time.Instant.now().minus(Duration.ofDays(30)));
        sandbox.bigQuery().copyTable(Sandbox.PROJECT, dataset, from, project, to);
    }

    /** The table is no longer partitioned (clustered only, if it was). */
    public void unpartitionBigQueryTable(String dataset, String table) {
        sandbox.bigQuery().view(Sandbox.PROJECT, dataset, table).partitionField = null;
    }

    /** Every GoogleSQL text the sandbox's BigQuery received, oldest first, as sent. */
    public List<String> bigQueryStatements() {
        return sandbox.bigQuery().statements();
    }

    /** The table requires a partition filter in queries and DML (its option require_partition_filter). */
    public void requireBigQueryPartitionFilter(String dataset, String table) {
        sandbox.bigQuery().view(Sandbox.PROJECT, dataset, table).requirePartitionFilter = true;
    }

    /** The table becomes partitioned by ingestion time (no partitioning column: _PARTITIONTIME). */
    public void partitionBigQueryTableByIngestionTime(String dataset, String table) {
        sandbox.bigQuery().view(Sandbox.PROJECT, dataset, table).partitionField = "_PARTITIONTIME";
    }

    /** The BigQuery dataset lives in {@code location} (a single region: its jobs are found only with it). */
    public void bigQueryLocation(String dataset, String location) {
        sandbox.bigQuery().location(Sandbox.PROJECT, dataset, location);
    }

    /** New tables of the BigQuery dataset (snapshots included) expire after {@code d}. */
    public void bigQueryTableExpiration(String dataset, Duration d) {
        sandbox.bigQuery().tableExpiration(Sandbox.PROJECT, dataset, d.toMillis());
    }

    /** BigQuery jobs still waiting out their delay finish now. */
    public void completeBigQueryJobsNow() {
        sandbox.bigQuery().completeJobsNow();
    }

    /** A table's rows now (null when there is no such table). */
    public List<String> bigQueryRows(String dataset, String table) {
        BigQueryEmulator.Table t = sandbox.bigQuery().view(Sandbox.PROJECT, dataset, table);
        return t == null ? null : t.rows();
    }

    /** A table's type, partitioning field and clustering ("TABLE executed_at [command]"), or null. */
    public String bigQueryLayout(String dataset, String table) {
        BigQueryEmulator.Table t = sandbox.bigQuery().view(Sandbox.PROJECT, dataset, table);
        return t == null ? null : t.type + " " + t.partitionField + " " + t.clusteringFields;
    }

    /** Names of the tables of a dataset. */
    public List<String> bigQueryTables(String dataset) {
        return bigQueryTables(Sandbox.PROJECT, dataset);
    }

    /** Names of the tables of a dataset of {@code project}. */
    public List<String> bigQueryTables(String project, String dataset) {
        return sandbox.bigQuery().tableNames(project, dataset);
    }

    /** Someone writes to a table now. */
    public void bigQueryWrite(String dataset, String table, java.time.Instant at, List<String> rows) {
        sandbox.bigQuery().change(Sandbox.PROJECT, dataset, table, at, rows);
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

    /**
     * Adds {@code count} older Ready revisions of the demo service, copies of its oldest one with
     * creation times before it (a service with a long history, for listing at scale).
     */
    public void addOlderRevisions(int count) {
        String service = Sandbox.servicePath(sandbox.service());
        com.google.cloud.run.v2.Revision oldest = sandbox.cloudRun().revisionsOf(service).stream()
                .min(java.util.Comparator.comparingLong(r -> r.getCreateTime().getSeconds())).orElseThrow();
        for (int i = 1; i <= count; i++) {
            String name = String.format("%s-h%05d-old", sandbox.service(), i);
            sandbox.cloudRun().put(oldest.toBuilder().setName(service + "/revisions/" + name)
                    .setCreateTime(oldest.getCreateTime().toBuilder()
                            .setSeconds(oldest.getCreateTime().getSeconds() - 60L * i)).build());
        }
    }

    /** The demo service in {@code region}, one of the sandbox's regions. */
    public Service serviceIn(String region) {
        return sandbox.cloudRun().service(Sandbox.servicePath(sandbox.service(), region));
    }

    /** Every later update of the demo service in {@code region} is refused with {@code status} (e.g. PERMISSION_DENIED). */
    public void refuseUpdatesIn(String region, Status status) {
        sandbox.cloudRun().refuseUpdates(Sandbox.servicePath(sandbox.service(), region), status);
    }

    /** How many requests the demo service in {@code region} had for {@code methodAndPath}. */
    public int demoRequestsIn(String region, String methodAndPath) {
        return sandbox.demo(region).requests(methodAndPath);
    }

    public int cloudRunMutations() {
        return sandbox.cloudRun().mutatingCalls();
    }

    public Service service() {
        return service(sandbox.service());
    }

    public Service service(String name) {
        return sandbox.cloudRun().service(Sandbox.servicePath(name));
    }

    /** Seeded virtuoso-api's traffic list, as {@link #traffic()} shows it: LATEST serves, 00002 keeps its tag. */
    public static final List<String> SEED_TRAFFIC = List.of("LATEST 100%",
            "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");

    /** 00002, the revision before the seeded broken one, serving all of virtuoso-api with its tag (a rollback's result). */
    public static final List<String> PREVIOUS_SERVES = List.of("REVISION virtuoso-api-00002-def 100% tag stable-2024-07-24");

    /**
     * virtuoso-api's traffic list as asked (the spec), every field of every entry, one line each:
     * {@code LATEST 100%}, {@code REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24}.
     */
    public List<String> traffic() {
        return traffic(service());
    }

    /** The same for what serves: the traffic statuses, which change only when an update has been applied. */
    public List<String> trafficStatuses() {
        return trafficStatuses(service());
    }

    /** {@code service}'s traffic list, as {@link #traffic()} shows it. */
    public static List<String> traffic(Service service) {
        return service.getTrafficList().stream()
                .map(t -> entry(t.getType(), t.getRevision(), t.getPercent(), t.getTag())).toList();
    }

    /** {@code service}'s traffic statuses, as {@link #traffic()} shows an entry. */
    public static List<String> trafficStatuses(Service service) {
        return service.getTrafficStatusesList().stream()
                .map(t -> entry(t.getType(), t.getRevision(), t.getPercent(), t.getTag())).toList();
    }

    private static String entry(TrafficTargetAllocationType type, String revision, int percent, String tag) {
        return type.name().replace("TRAFFIC_TARGET_ALLOCATION_TYPE_", "") + (revision.isEmpty() ? "" : " " + revision)
                + " " + percent + "%" + (tag.isEmpty() ? "" : " tag " + tag);
    }

    /**
     * Waits, at most 30 s, until another thread's call has reached the sandbox ({@code reached}):
     * real time, but the other thread's, never the tool's.
     */
    public static void awaitOtherThread(BooleanSupplier reached, String never) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!reached.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(never);
            }
            Thread.sleep(5);
        }
    }

    /** Another actor changes the service (applied and reconciled at once). */
    public void changeService(UnaryOperator<Service> change) {
        sandbox.cloudRun().changeService(Sandbox.servicePath(sandbox.service()), change);
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
        return sandbox.cloudRun().timeline(Sandbox.servicePath(sandbox.service())).stream()
                .map(s -> new Serving(s.since(), s.percents())).toList();
    }

    public void setRequestsPerMinute(double rpm) {
        sandbox.monitoring().setRequestsPerMinute(rpm);
    }

    public int policyWrites() {
        return sandbox.monitoring().policyWrites();
    }

    /** Cloud Monitoring's notification channels, as created. */
    public List<com.google.monitoring.v3.NotificationChannel> notificationChannels() {
        return sandbox.monitoring().channels();
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

    /**
     * The service reads the API key as latest through its API_KEY variable, as many services do: every
     * revision and the template (so a new revision does too).
     */
    public void apiKeyReadAsLatest() {
        String svc = Sandbox.servicePath(sandbox.service());
        CloudRunEmulator run = sandbox.cloudRun();
        for (com.google.cloud.run.v2.Revision r : run.revisionsOf(svc)) {
            run.put(r.toBuilder().setContainers(0, readLatest(r.getContainers(0))).build());
        }
        run.changeService(svc, s -> s.toBuilder().setTemplate(s.getTemplate().toBuilder()
                .setContainers(0, readLatest(s.getTemplate().getContainers(0)))).build());
    }

    private static com.google.cloud.run.v2.Container readLatest(com.google.cloud.run.v2.Container c) {
        com.google.cloud.run.v2.Container.Builder b = c.toBuilder().clearEnv();
        for (com.google.cloud.run.v2.EnvVar e : c.getEnvList()) {
            b.addEnv(e.hasValueSource() && e.getValueSource().hasSecretKeyRef() ? e.toBuilder().setValueSource(
                    e.getValueSource().toBuilder().setSecretKeyRef(e.getValueSource().getSecretKeyRef().toBuilder()
                            .clearVersion())).build() : e);
        }
        return b.build();
    }

    /**
     * Another client deploys {@code image} as {@code revision}, the traffic sent back as it is, through
     * the API's update path (not counted as a call of the tool), and does not wait for it.
     */
    public void deployElsewhere(String revision, String image) {
        sandbox.cloudRun().deploy(Sandbox.servicePath(sandbox.service()), image, revision);
    }

    public int revisionCount() {
        return sandbox.cloudRun().revisionsOf(Sandbox.servicePath(sandbox.service())).size();
    }

    /** The payload of a version of the API key secret (tests compare payloads; the tool never shows one). */
    public String apiKeyPayload(int version) {
        return sandbox.secretManager().payload("projects/" + Sandbox.PROJECT + "/secrets/" + Sandbox.API_KEY_SECRET
                + "/versions/" + version);
    }

    /** How many requests the demo service had for {@code methodAndPath}, such as "POST /api/v1/x". */
    public int demoRequests(String methodAndPath) {
        return sandbox.demo().requests(methodAndPath);
    }

    public URI webhookUrl() {
        return sandbox.webhookUrl();
    }

    public List<String> webhookMessages() {
        return sandbox.webhook().messages();
    }

    /** Makes Slack's Web API answer every later call with ok:false and {@code error} (null to recover). */
    public void refuseSlackCalls(String error) {
        sandbox.webhook().refuseWith(error);
    }

    /** The files a bot token shared: "NAME (N bytes) in thread TS of CHANNEL", oldest first. */
    public List<String> slackFiles() {
        return sandbox.webhook().files();
    }

    public void webhookFailsWith(int httpStatus) {
        sandbox.webhook().failWith(httpStatus);
    }

    /** The webhook stops answering (its host is gone). */
    public void webhookHangs() {
        sandbox.webhook().hang();
    }
}

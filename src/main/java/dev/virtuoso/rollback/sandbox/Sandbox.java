package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.Container;
import com.google.cloud.run.v2.EnvVar;
import com.google.cloud.run.v2.EnvVarSource;
import com.google.cloud.run.v2.SecretKeySelector;
import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.secretmanager.v1.SecretVersion;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The embedded sandbox: a Cloud Run v2 emulator and the demo virtuoso-api on 127.0.0.1,
 * seeded with a history like the written runbook's: two good revisions, a broken one serving
 * 100% through LATEST, and a newer one that never became Ready (a hotfix image deployed by hand).
 * With a git repository, a CI pipeline deploys each push to its branch (CiPipeline); a missing
 * repository is created with the branch history behind the first three revisions.
 */
public final class Sandbox implements AutoCloseable {
    public static final String PROJECT = "virtuoso-sandbox";
    public static final String REGION = "us-central1";
    /** The regions `rollback sandbox` runs the demo service in (runbooks/sandbox-fleet.yaml names them). */
    public static final List<String> FLEET_REGIONS = List.of(REGION, "europe-west1", "asia-northeast1");
    public static final String SERVICE = "virtuoso-api";
    /**
     * The demo service's public demo key: not a secret, but random-looking as a real one is. The tool
     * hides every run of 8 characters of a key it has read from all it prints, so a key made of
     * words ("sandbox-api-key") would hide those words elsewhere too (virtuoso-api-key).
     */
    public static final String API_KEY = "sbx-4f1c9e27b3d8a605";
    public static final String IMAGE = "gcr.io/virtuoso-sandbox/virtuoso-api";
    public static final String BROKEN_IMAGE = IMAGE + ":v1.2.0";

    public static final String API_KEY_SECRET = "virtuoso-api-key";
    /** The BigQuery dataset of the sandbox project, with a partitioned and a plain table. */
    public static final String BIGQUERY_DATASET = "analytics";

    /**
     * @param operationDelay how long an UpdateService operation takes (after a new revision started), and a
     *                       Firestore import or export or a BigQuery job
     * @param grpcPort port of the one gRPC server holding every emulated Google API (0: any free)
     * @param requestsPerMinute synthetic traffic volume behind the request metrics (0: none)
     * @param metricsLag how far behind Monitoring data is
     * @param revisionStartDelay how long a new revision takes to become Ready (or to fail)
     * @param gitRepo a bare git repository whose pushes CI deploys (null: none); created when missing
     * @param gitBranch the branch CI deploys
     * @param gitPollInterval how often CI looks at the branch
     * @param service the demo service's name (its revisions are named after it)
     * @param regions the regions the demo service runs in, {@link #REGION} first
     */
    public record Options(Duration operationDelay, int grpcPort, int demoPort, double requestsPerMinute,
                          Duration metricsLag, Duration revisionStartDelay, Path gitRepo, String gitBranch,
                          Duration gitPollInterval, String service, List<String> regions) {
        public static Options defaults() {
            return new Options(Duration.ofMillis(300), 0, 0, 600, Duration.ZERO, Duration.ofMillis(300), null, "main",
                    Duration.ofMillis(200), SERVICE, List.of(REGION));
        }

        /**
         * The demo service in each of {@code all}, each with its own history, URL and metrics; {@link #REGION}
         * first, the region every accessor without a region means.
         */
        public Options withRegions(List<String> all) {
            if (all.isEmpty() || !all.get(0).equals(REGION) || new java.util.HashSet<>(all).size() != all.size()) {
                throw new IllegalArgumentException("regions must start with " + REGION + " and be distinct: " + all);
            }
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, metricsLag, revisionStartDelay,
                    gitRepo, gitBranch, gitPollInterval, service, List.copyOf(all));
        }

        public Options withOperationDelay(Duration d) {
            return new Options(d, grpcPort, demoPort, requestsPerMinute, metricsLag, revisionStartDelay, gitRepo,
                    gitBranch, gitPollInterval, service, regions);
        }

        public Options withMetricsLag(Duration d) {
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, d, revisionStartDelay, gitRepo,
                    gitBranch, gitPollInterval, service, regions);
        }

        public Options withRevisionStartDelay(Duration d) {
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, metricsLag, d, gitRepo,
                    gitBranch, gitPollInterval, service, regions);
        }

        public Options withGitRepo(Path repo, String branch) {
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, metricsLag, revisionStartDelay,
                    repo, branch, gitPollInterval, service, regions);
        }

        /** The demo service named {@code name}: a name Cloud Run allows, else IllegalArgumentException. */
        public Options withService(String name) {
            if (!SERVICE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not a name Cloud Run allows for a service "
                        + "(a lowercase letter first, then lowercase letters, digits and hyphens, no hyphen last, "
                        + "fewer than 50 characters)");
            }
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, metricsLag, revisionStartDelay,
                    gitRepo, gitBranch, gitPollInterval, name, regions);
        }
    }

    /** A service id Cloud Run accepts: a letter first, no hyphen last, fewer than 50 characters. */
    private static final java.util.regex.Pattern SERVICE_NAME = java.util.regex.Pattern.compile(
            "[a-z]([-a-z0-9]{0,47}[a-z0-9])?");

    private final String service;
    private final CloudRunEmulator cloudRun;
    private final MonitoringEmulator monitoring;
    private final SecretManagerEmulator secretManager;
    /** The demo service of each region, in the order of the options. */
    private final Map<String, DemoService> demos;
    private final WebhookReceiver webhook;
    private final Server grpc;
    private BigQueryEmulator bigQuery;
    private final List<Consumer<String>> ciListeners = new CopyOnWriteArrayList<>();
    private volatile CiPipeline ci;
    private StorageEmulator storage;
    private FirestoreAdminEmulator firestore;
    private Server firestoreServer;
    private String firestoreExport;
    private LoggingEmulator logging;

    private Sandbox(CloudRunEmulator cloudRun, MonitoringEmulator monitoring, SecretManagerEmulator secretManager,
                    Map<String, DemoService> demos, WebhookReceiver webhook, Server grpc, String service) {
        this.service = service;
        this.cloudRun = cloudRun;
        this.monitoring = monitoring;
        this.secretManager = secretManager;
        this.demos = demos;
        this.webhook = webhook;
        this.grpc = grpc;
    }

    public static Sandbox start(Options options) {
        return start(options, Clock.systemUTC());
    }

    /** With the time every emulator reads: tests move it instead of sleeping. */
    static Sandbox start(Options options, Clock clock) {
        CloudRunEmulator cloudRun = new CloudRunEmulator(clock, options.operationDelay(), options.revisionStartDelay());
        MonitoringEmulator monitoring = new MonitoringEmulator(cloudRun, clock, options.requestsPerMinute(),
                options.metricsLag());
        SecretManagerEmulator secretManager = new SecretManagerEmulator(clock);
        LoggingEmulator logging = new LoggingEmulator(clock);
        Server grpc = null;
        try {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", options.grpcPort()))
                    .addService(cloudRun.services()).addService(cloudRun.revisions()).addService(cloudRun.operations())
                    .addService(monitoring.metrics()).addService(monitoring.alertPolicies())
                    .addService(monitoring.notificationChannels())
                    .addService(secretManager.api()).addService(logging.api())
                    .build().start();
            Map<String, DemoService> demos = new java.util.LinkedHashMap<>();
            for (String region : options.regions()) {
                String path = servicePath(options.service(), region);
                // The first region's demo takes the port asked for; the others any free one.
                DemoService demo = new DemoService(cloudRun, logging, path, API_KEY, demos.isEmpty() ? options.demoPort() : 0);
                demos.put(region, demo);
                cloudRun.demoBaseUrl(path, demo.url().toString());
                seed(cloudRun, options.service(), region, clock.instant());
            }
            seed(cloudRun, clock.instant());
            // The hour its metrics show before the start: the broken revision's failures are logged too.
            Instant now = clock.instant();
            for (String region : options.regions()) {
                String path = servicePath(options.service(), region);
                List<CloudRunEmulator.Serving> timeline = cloudRun.timeline(path);
                if (!timeline.isEmpty()) {
                    timeline.get(timeline.size() - 1).percents().forEach((rev, pct) -> {
                        if (pct > 0 && monitoring.broken(rev)) {
                            logging.served(path, rev, now.minus(Duration.ofHours(1)), now);
                        }
                    });
                }
            }
            seed(secretManager, clock.instant());
            Sandbox sandbox = new Sandbox(cloudRun, monitoring, secretManager, demos, new WebhookReceiver(), grpc,
                    options.service());
            sandbox.logging = logging;
            sandbox.bigQuery = new BigQueryEmulator(clock, options.operationDelay());
            seed(sandbox.bigQuery, clock.instant());
            try {
                sandbox.startFirestore(clock, options.operationDelay());
            } catch (IOException | RuntimeException e) {
                sandbox.close();
                throw e;
            }
            if (options.gitRepo() != null) {
                try {
                    sandbox.ci = startCi(options, clock.instant(), cloudRun,
                            event -> sandbox.ciListeners.forEach(l -> l.accept(event)));
                } catch (RuntimeException e) {
                    sandbox.close();
                    throw e;
                }
            }
            return sandbox;
        } catch (IOException e) {
            if (grpc != null) {
                grpc.shutdownNow();
            }
            cloudRun.shutdown();
            throw new UncheckedIOException("cannot start the sandbox: " + e.getMessage(), e);
        }
    }

    public static String servicePath(String service) {
        return servicePath(service, REGION);
    }

    public static String servicePath(String service, String region) {
        return "projects/" + PROJECT + "/locations/" + region + "/services/" + service;
    }

    /** The regions the demo service runs in, the first being the one the other accessors mean. */
    public List<String> regions() {
        return List.copyOf(demos.keySet());
    }

    /** The demo service's name ({@link #SERVICE} unless the options named another). */
    public String service() {
        return service;
    }

    public String cloudRunHost() {
        return "127.0.0.1:" + grpc.getPort();
    }

    public URI demoUrl() {
        return demo().url();
    }

    /** The demo service's URL in {@code region}, one of {@link #regions()}. */
    public URI demoUrl(String region) {
        return demo(region).url();
    }

    /** The emulator variables that point the tool at this sandbox (one server answers all). */
    public Map<String, String> emulatorVariables() {
        Map<String, String> vars = new java.util.TreeMap<>();
        for (String v : new String[] {"CLOUD_RUN_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST",
            "MONITORING_EMULATOR_HOST", "LOGGING_EMULATOR_HOST"}) {
            vars.put(v, cloudRunHost());
        }
        vars.put("BIGQUERY_EMULATOR_HOST", bigQuery.host());
        vars.put("FIRESTORE_ADMIN_EMULATOR_HOST", "127.0.0.1:" + firestoreServer.getPort());
        vars.put("GCS_EMULATOR_HOST", storage.host());
        vars.put("SLACK_API_EMULATOR_HOST", webhook.apiHost());
        return vars;
    }

    /** Each thing the CI pipeline does or fails to do, as a line ("CI: main is at 1a2b3c4: deploying ..."). */
    public void onCiEvent(Consumer<String> listener) {
        ciListeners.add(listener);
    }

    /** A Slack-compatible incoming webhook that records what it is sent. */
    public URI webhookUrl() {
        return webhook.url();
    }

    // The emulators themselves, for the test controls (SandboxControls, in the tests of this package).

    CloudRunEmulator cloudRun() {
        return cloudRun;
    }

    MonitoringEmulator monitoring() {
        return monitoring;
    }

    LoggingEmulator logging() {
        return logging;
    }

    SecretManagerEmulator secretManager() {
        return secretManager;
    }

    FirestoreAdminEmulator firestore() {
        return firestore;
    }

    StorageEmulator storage() {
        return storage;
    }

    /** Each Slack message and shared file a bot token sends here, as a line. */
    public void onSlackMessage(Consumer<String> listener) {
        webhook.onMessage(listener);
    }

    WebhookReceiver webhook() {
        return webhook;
    }

    BigQueryEmulator bigQuery() {
        return bigQuery;
    }

    DemoService demo() {
        return demos.values().iterator().next();
    }

    DemoService demo(String region) {
        return Optional.ofNullable(demos.get(region)).orElseThrow(() -> new IllegalArgumentException(
                "the sandbox runs no demo service in " + region + ": " + demos.keySet()));
    }

    @Override
    public void close() {
        if (ci != null) {
            ci.close();
        }
        demos.values().forEach(DemoService::stop);
        webhook.stop();
        if (bigQuery != null) {
            bigQuery.stop();
        }
        if (firestoreServer != null) {
            firestoreServer.shutdownNow();
        }
        if (storage != null) {
            storage.stop();
        }
        grpc.shutdownNow();
        cloudRun.shutdown();
        try {
            grpc.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What every region shares: the images' behaviour, and another service of the project. */
    private static void seed(CloudRunEmulator run, Instant now) {
        run.markBroken(BROKEN_IMAGE);
        // 00004's image never started; deployed again, it fails again.
        run.markFailsToStart(IMAGE + ":v1.2.1");
        Instant day = firstRelease(now);
        String other = servicePath("other-service");
        run.put(revision(other, "other-service-00001-aaa", "gcr.io/virtuoso-sandbox/other:v1", "2", day, true));
        run.put(run.settle(Service.newBuilder().setName(other).setGeneration(1).setObservedGeneration(1)
                .setEtag(run.nextEtag()).setCreateTime(Grpc.timestamp(day))
                .setTemplate(RevisionTemplate.newBuilder().addContainers(Container.newBuilder()
                        .setImage("gcr.io/virtuoso-sandbox/other:v1")))
                .addTraffic(TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST)
                        .setPercent(100))
                .setLatestReadyRevision(other + "/revisions/other-service-00001-aaa")
                .setLatestCreatedRevision(other + "/revisions/other-service-00001-aaa")
                .build()));
    }

    /**
     * The demo service's history in {@code region}: the same releases everywhere, revision names
     * ending as Cloud Run names them in each region (its own random suffix; {@link #REGION}'s are
     * the ones the tests and docs name).
     */
    private static void seed(CloudRunEmulator run, String service, String region, Instant now) {
        String svc = servicePath(service, region);
        Instant day = firstRelease(now);
        // Each revision reads the API key pinned to a version: 00001 the 2024 key, the later ones the current.
        run.put(revision(svc, service + "-00001-" + suffix(region, "abc"), IMAGE + ":v1.0.0", "1", day, true));
        run.put(revision(svc, service + "-00002-" + suffix(region, "def"), IMAGE + ":v1.1.0", "2",
                day.plus(Duration.ofDays(1)), true));
        run.put(revision(svc, service + "-00003-" + suffix(region, "ghi"), BROKEN_IMAGE, "2",
                day.plus(Duration.ofDays(2)), true));
        Revision failed = revision(svc, service + "-00004-" + suffix(region, "jkl"), IMAGE + ":v1.2.1", "2",
                day.plus(Duration.ofDays(3)), false);
        run.put(failed);
        run.put(run.settle(Service.newBuilder().setName(svc).setGeneration(4).setObservedGeneration(4)
                .setEtag(run.nextEtag()).setCreateTime(Grpc.timestamp(day)).setUpdateTime(Grpc.timestamp(day.plus(Duration.ofDays(3))))
                .setLastModifier(CloudRunEmulator.CI_DEPLOYER)
                .setTemplate(RevisionTemplate.newBuilder().addContainers(container(IMAGE + ":v1.2.1", "2")))
                .addTraffic(TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST)
                        .setPercent(100))
                .addTraffic(TrafficTarget.newBuilder()
                        .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision(service + "-00002-" + suffix(region, "def")).setPercent(0).setTag("stable-2024-07-24"))
                .setLatestReadyRevision(svc + "/revisions/" + service + "-00003-" + suffix(region, "ghi"))
                .setLatestCreatedRevision(failed.getName())
                .build()));
    }

    /** {@code first}'s suffix in {@link #REGION}; elsewhere the region's initials and its last letter (ewc, anc). */
    private static String suffix(String region, String first) {
        return region.equals(REGION) ? first
                : "" + region.charAt(0) + region.charAt(region.indexOf('-') + 1) + first.charAt(2);
    }

    /** When the first seeded revision was created; one more came each day after. */
    private static Instant firstRelease(Instant now) {
        return now.minus(Duration.ofDays(4));
    }

    /**
     * CI on the repository, which is first created when missing: the branch history behind the
     * seeded revisions 00001-00003, each commit built ten minutes before its revision was deployed
     * (00004's image never reached the branch).
     */
    private static CiPipeline startCi(Options options, Instant now, CloudRunEmulator cloudRun, Consumer<String> events) {
        if (!Files.exists(options.gitRepo())) {
            Instant day = firstRelease(now).minus(Duration.ofMinutes(10));
            CiPipeline.seed(options.gitRepo(), options.gitBranch(), List.of(
                    new CiPipeline.Commit("v1.0.0", "Release v1.0.0", true, day),
                    new CiPipeline.Commit("v1.1.0", "Release v1.1.0: list commands by name", true,
                            day.plus(Duration.ofDays(1))),
                    new CiPipeline.Commit("v1.2.0", "Release v1.2.0: cache command lookups", false,
                            day.plus(Duration.ofDays(2)))));
        }
        return new CiPipeline(options.gitRepo(), options.gitBranch(), cloudRun, servicePath(options.service()), IMAGE,
                options.gitPollInterval(), events);
    }

    /** The bucket of the sandbox's Firestore exports (the runbook's data.firestore.backupBucket). */
    /** Where `journal: gs://virtuoso-sandbox-journal/rollback` keeps a journal a team shares. */
    public static final String JOURNAL_BUCKET = "virtuoso-sandbox-journal";
    public static final String BACKUP_BUCKET = "virtuoso-sandbox-backups";
    public static final String FIRESTORE_DATABASE = "projects/" + PROJECT + "/databases/(default)";

    /**
     * Firestore Admin on a gRPC server of its own (its google.longrunning.Operations is not Cloud
     * Run's) and the Cloud Storage that holds its exports.
     */
    private void startFirestore(Clock clock, Duration operationDelay) throws IOException {
        storage = new StorageEmulator(clock);
        firestore = new FirestoreAdminEmulator(clock, storage);
        firestore.setOperationDelay(operationDelay);
        firestoreServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(firestore.api()).addService(firestore.operations()).build().start();
        firestoreExport = seed(firestore, storage, clock.instant());
    }

    /** The seeded export, taken before the bad deploy changed documents: what a restore imports. */
    public String firestoreExport() {
        return firestoreExport;
    }

    /**
     * The (default) database of a day before the bad deploy (00003, two days ago), exported then by
     * the team's scheduled export of the collections the service uses (one {@code kind_<id>} folder
     * each); since, the deploy rewrote documents and users signed up. Beside it in the bucket, a
     * failed export (files but no overall metadata) and notes that are no export at all.
     */
    private static String seed(FirestoreAdminEmulator fs, StorageEmulator gcs, Instant now) {
        String db = FIRESTORE_DATABASE;
        fs.createDatabase(db);
        gcs.createBucket(BACKUP_BUCKET);
        gcs.createBucket(JOURNAL_BUCKET);
        fs.putDocument(db, "commands", "list", Map.of("name", "list", "handler", "commands.list", "enabled", true));
        fs.putDocument(db, "commands", "exists", Map.of("name", "exists", "handler", "step.assert.exists",
                "enabled", true));
        fs.putDocument(db, "commands", "deploy", Map.of("name", "deploy", "handler", "pipeline.deploy", "enabled", true));
        fs.putDocument(db, "users", "alice", Map.of("name", "Alice", "role", "admin"));
        fs.putDocument(db, "users", "bob", Map.of("name", "Bob", "role", "viewer"));
        Instant exported = firstRelease(now).plus(Duration.ofDays(1)).plus(Duration.ofHours(12));
        String name = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'_'SSSSS")
                .withZone(java.time.ZoneOffset.UTC).format(exported);
        String export = "gs://" + BACKUP_BUCKET + "/" + name;
        fs.seedExport(db, export, exported, List.of("commands", "users"));
        // The bad deploy (v1.2.0) rewrote documents; users signed up since.
        fs.putDocument(db, "commands", "exists", Map.of("name", "exists", "handler", "cache.lookup", "enabled", false));
        fs.putDocument(db, "commands", "deploy", Map.of("name", "deploy", "handler", "cache.lookup", "enabled", false));
        fs.putDocument(db, "users", "carol", Map.of("name", "Carol", "role", "viewer"));
        gcs.put(BACKUP_BUCKET, name + "-failed/" + FirestoreAdminEmulator.DATA_OBJECT, new byte[] {'{', '}'});
        gcs.put(BACKUP_BUCKET, "notes/README.txt", "exports of the sandbox".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return export;
    }

    /** A key history after a bad rotation: v3 was disabled by hand, so `latest` is unreadable. */
    private static void seed(SecretManagerEmulator sm, Instant now) {
        String secret = "projects/" + PROJECT + "/secrets/" + API_KEY_SECRET;
        sm.createSecret(secret);
        sm.add(secret, "sbx-0b6d21c8e47f9a33", SecretVersion.State.ENABLED, now.minus(Duration.ofDays(3)));
        sm.add(secret, API_KEY, SecretVersion.State.ENABLED, now.minus(Duration.ofDays(2)));
        sm.add(secret, "sbx-9e3a57d1c06b42f8", SecretVersion.State.DISABLED, now.minus(Duration.ofDays(1)));
    }

    /**
     * BigQuery as a bad deploy left it: about an hour ago virtuoso-api v1.2.0's cleanup job deleted
     * a third of {@code analytics.command_executions} (partitioned by day, clustered) and zeroed
     * the last week of {@code analytics.daily_totals} (a plain table), adding duplicates; rows kept
     * coming in since. `restore bigquery --table analytics.command_executions --at -2h` undoes it.
     */
    private static void seed(BigQueryEmulator bq, Instant now) {
        Instant created = now.minus(Duration.ofDays(30));
        bq.dataset(PROJECT, BIGQUERY_DATASET, 168, created);
        List<String> executions = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            executions.add("exec-" + i);
        }
        BigQueryEmulator.Table t = bq.table(PROJECT, BIGQUERY_DATASET, "command_executions", created, executions);
        t.partitionField = "executed_at";
        t.clusteringFields = List.of("command");
        for (int i = 10_000; i < 11_200; i++) {
            executions.add("exec-" + i);
        }
        bq.change(PROJECT, BIGQUERY_DATASET, "command_executions", now.minus(Duration.ofHours(3)), executions);
        List<String> afterBadDeploy = new java.util.ArrayList<>(executions.subList(0, 7_000));
        bq.change(PROJECT, BIGQUERY_DATASET, "command_executions", now.minus(Duration.ofMinutes(62)), afterBadDeploy);
        for (int i = 11_200; i < 11_280; i++) {
            afterBadDeploy.add("exec-" + i);
        }
        bq.change(PROJECT, BIGQUERY_DATASET, "command_executions", now.minus(Duration.ofMinutes(15)), afterBadDeploy);

        List<String> totals = new java.util.ArrayList<>();
        for (int day = 1; day <= 30; day++) {
            totals.add("day-" + day + ":total=" + (1000 + 37 * day));
        }
        bq.table(PROJECT, BIGQUERY_DATASET, "daily_totals", created, totals);
        List<String> corrupted = new java.util.ArrayList<>(totals.subList(0, 23));
        for (int day = 24; day <= 30; day++) {
            corrupted.add("day-" + day + ":total=0");
        }
        corrupted.add("day-29:total=0");
        corrupted.add("day-30:total=0");
        bq.change(PROJECT, BIGQUERY_DATASET, "daily_totals", now.minus(Duration.ofMinutes(61)), corrupted);
    }

    /** The demo's container: its image, and the API key from Secret Manager as API_KEY at a version. */
    private static Container container(String image, String keyVersion) {
        return Container.newBuilder().setImage(image).addEnv(EnvVar.newBuilder().setName("API_KEY")
                .setValueSource(EnvVarSource.newBuilder().setSecretKeyRef(SecretKeySelector.newBuilder()
                        .setSecret(API_KEY_SECRET).setVersion(keyVersion)))).build();
    }

    private static Revision revision(String service, String name, String image, String keyVersion, Instant created,
                                     boolean ready) {
        return Revision.newBuilder().setName(service + "/revisions/" + name)
                .setService(CloudRunEmulator.shortName(service)).setGeneration(1).setCreateTime(Grpc.timestamp(created))
                .addContainers(container(image, keyVersion))
                .addConditions(ready ? CloudRunEmulator.condition("Ready", Condition.State.CONDITION_SUCCEEDED, "")
                        : CloudRunEmulator.condition("Ready", Condition.State.CONDITION_FAILED,
                                "Container failed to start and listen on PORT=8080"))
                .build();
    }

}

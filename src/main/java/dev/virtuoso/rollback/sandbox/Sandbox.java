package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.Container;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The embedded sandbox: a Cloud Run v2 emulator and the demo virtuoso-api on 127.0.0.1,
 * seeded with a history like the written runbook's: two good revisions, a broken one serving
 * 100% through LATEST, and a newer one that never became Ready.
 */
public final class Sandbox implements AutoCloseable {
    public static final String PROJECT = "virtuoso-sandbox";
    public static final String REGION = "us-central1";
    public static final String SERVICE = "virtuoso-api";
    /** The demo service's public demo key: not a secret. */
    public static final String API_KEY = "sandbox-api-key";
    public static final String IMAGE = "gcr.io/virtuoso-sandbox/virtuoso-api";
    public static final String BROKEN_IMAGE = IMAGE + ":v1.2.0";

    public static final String API_KEY_SECRET = "virtuoso-api-key";

    /**
     * @param operationDelay how long an UpdateService operation takes (after a new revision started)
     * @param grpcPort port of the one gRPC server holding every emulated Google API (0: any free)
     * @param requestsPerMinute synthetic traffic volume behind the request metrics (0: none)
     * @param metricsLag how far behind Monitoring data is
     * @param revisionStartDelay how long a new revision takes to become Ready (or to fail)
     */
    public record Options(Duration operationDelay, int grpcPort, int demoPort, double requestsPerMinute,
                          Duration metricsLag, Duration revisionStartDelay) {
        public static Options defaults() {
            return new Options(Duration.ofMillis(300), 0, 0, 600, Duration.ZERO, Duration.ofMillis(300));
        }

        public Options withOperationDelay(Duration d) {
            return new Options(d, grpcPort, demoPort, requestsPerMinute, metricsLag, revisionStartDelay);
        }

        public Options withMetricsLag(Duration d) {
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, d, revisionStartDelay);
        }

        public Options withRevisionStartDelay(Duration d) {
            return new Options(operationDelay, grpcPort, demoPort, requestsPerMinute, metricsLag, d);
        }
    }

    private final CloudRunEmulator cloudRun;
    private final MonitoringEmulator monitoring;
    private final SecretManagerEmulator secretManager;
    private final DemoService demo;
    private final WebhookReceiver webhook;
    private final Server grpc;

    private Sandbox(CloudRunEmulator cloudRun, MonitoringEmulator monitoring, SecretManagerEmulator secretManager,
                    DemoService demo, WebhookReceiver webhook, Server grpc) {
        this.cloudRun = cloudRun;
        this.monitoring = monitoring;
        this.secretManager = secretManager;
        this.demo = demo;
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
        Server grpc = null;
        try {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", options.grpcPort()))
                    .addService(cloudRun.services()).addService(cloudRun.revisions()).addService(cloudRun.operations())
                    .addService(monitoring.metrics()).addService(monitoring.alertPolicies())
                    .addService(secretManager.api())
                    .build().start();
            DemoService demo = new DemoService(cloudRun, servicePath(SERVICE), API_KEY, options.demoPort());
            cloudRun.demoBaseUrl(demo.url().toString());
            seed(cloudRun, clock.instant());
            seed(secretManager, clock.instant());
            return new Sandbox(cloudRun, monitoring, secretManager, demo, new WebhookReceiver(), grpc);
        } catch (IOException e) {
            if (grpc != null) {
                grpc.shutdownNow();
            }
            cloudRun.shutdown();
            throw new UncheckedIOException("cannot start the sandbox: " + e.getMessage(), e);
        }
    }

    public static String servicePath(String service) {
        return "projects/" + PROJECT + "/locations/" + REGION + "/services/" + service;
    }

    public String cloudRunHost() {
        return "127.0.0.1:" + grpc.getPort();
    }

    public URI demoUrl() {
        return demo.url();
    }

    /** The emulator variables of SPEC 9 that point the tool at this sandbox (one server answers all). */
    public Map<String, String> emulatorVariables() {
        Map<String, String> vars = new java.util.TreeMap<>();
        for (String v : new String[] {"CLOUD_RUN_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST",
            "MONITORING_EMULATOR_HOST"}) {
            vars.put(v, cloudRunHost());
        }
        return vars;
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

    SecretManagerEmulator secretManager() {
        return secretManager;
    }

    WebhookReceiver webhook() {
        return webhook;
    }

    DemoService demo() {
        return demo;
    }

    @Override
    public void close() {
        demo.stop();
        webhook.stop();
        grpc.shutdownNow();
        cloudRun.shutdown();
        try {
            grpc.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void seed(CloudRunEmulator run, Instant now) {
        run.markBroken(BROKEN_IMAGE);
        // 00004's image never started; deployed again, it fails again.
        run.markFailsToStart(IMAGE + ":v1.2.1");
        String svc = servicePath(SERVICE);
        Instant day = now.minus(Duration.ofDays(4));
        run.put(revision(svc, "virtuoso-api-00001-abc", IMAGE + ":v1.0.0", day, true));
        run.put(revision(svc, "virtuoso-api-00002-def", IMAGE + ":v1.1.0", day.plus(Duration.ofDays(1)), true));
        run.put(revision(svc, "virtuoso-api-00003-ghi", BROKEN_IMAGE, day.plus(Duration.ofDays(2)), true));
        Revision failed = revision(svc, "virtuoso-api-00004-jkl", IMAGE + ":v1.2.1", day.plus(Duration.ofDays(3)), false);
        run.put(failed);
        run.put(run.settle(Service.newBuilder().setName(svc).setGeneration(4).setObservedGeneration(4)
                .setEtag(run.nextEtag()).setCreateTime(Grpc.timestamp(day)).setUpdateTime(Grpc.timestamp(day.plus(Duration.ofDays(3))))
                .setTemplate(RevisionTemplate.newBuilder().addContainers(Container.newBuilder().setImage(IMAGE + ":v1.2.1")))
                .addTraffic(TrafficTarget.newBuilder().setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST)
                        .setPercent(100))
                .addTraffic(TrafficTarget.newBuilder()
                        .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                        .setRevision("virtuoso-api-00002-def").setPercent(0).setTag("stable-2024-07-24"))
                .setLatestReadyRevision(svc + "/revisions/virtuoso-api-00003-ghi")
                .setLatestCreatedRevision(failed.getName())
                .build()));

        String other = servicePath("other-service");
        run.put(revision(other, "other-service-00001-aaa", "gcr.io/virtuoso-sandbox/other:v1", day, true));
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

    /** A key history after a bad rotation: v3 was disabled by hand, so `latest` is unreadable. */
    private static void seed(SecretManagerEmulator sm, Instant now) {
        String secret = "projects/" + PROJECT + "/secrets/" + API_KEY_SECRET;
        sm.createSecret(secret);
        sm.add(secret, "sandbox-api-key-2024", SecretVersion.State.ENABLED, now.minus(Duration.ofDays(3)));
        sm.add(secret, API_KEY, SecretVersion.State.ENABLED, now.minus(Duration.ofDays(2)));
        sm.add(secret, "sandbox-api-key-rotated", SecretVersion.State.DISABLED, now.minus(Duration.ofDays(1)));
    }

    private static Revision revision(String service, String name, String image, Instant created, boolean ready) {
        return Revision.newBuilder().setName(service + "/revisions/" + name)
                .setService(CloudRunEmulator.shortName(service)).setGeneration(1).setCreateTime(Grpc.timestamp(created))
                .addContainers(Container.newBuilder().setImage(image))
                .addConditions(ready ? CloudRunEmulator.condition("Ready", Condition.State.CONDITION_SUCCEEDED, "")
                        : CloudRunEmulator.condition("Ready", Condition.State.CONDITION_FAILED,
                                "Container failed to start and listen on PORT=8080"))
                .build();
    }

}

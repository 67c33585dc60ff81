package dev.virtuoso.rollback.adapter.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.longrunning.OperationTimedPollAlgorithm;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.monitoring.v3.AlertPolicyServiceClient;
import com.google.cloud.monitoring.v3.AlertPolicyServiceSettings;
import com.google.cloud.monitoring.v3.MetricServiceClient;
import com.google.cloud.monitoring.v3.MetricServiceSettings;
import com.google.cloud.run.v2.RevisionsClient;
import com.google.cloud.run.v2.RevisionsSettings;
import com.google.cloud.run.v2.ServicesClient;
import com.google.cloud.run.v2.ServicesSettings;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.VerifyRequest;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates the official Google clients, once each: against an emulator when its variable
 * (CLOUD_RUN_EMULATOR_HOST and its kin) is set — plaintext, no credentials, Application Default
 * Credentials never consulted — otherwise against the public endpoint with ADC.
 */
public final class GcpClients implements AutoCloseable {
    public static final String CLOUD_RUN_EMULATOR_HOST = "CLOUD_RUN_EMULATOR_HOST";
    public static final String MONITORING_EMULATOR_HOST = "MONITORING_EMULATOR_HOST";
    public static final String SECRET_MANAGER_EMULATOR_HOST = "SECRET_MANAGER_EMULATOR_HOST";
    /** BigQuery v2 REST, {@code host:port}: the client is pointed at {@code http://host:port}. */
    public static final String BIGQUERY_EMULATOR_HOST = "BIGQUERY_EMULATOR_HOST";
    public static final String FIRESTORE_ADMIN_EMULATOR_HOST = "FIRESTORE_ADMIN_EMULATOR_HOST";
    public static final String GCS_EMULATOR_HOST = "GCS_EMULATOR_HOST";
    public static final String LOGGING_EMULATOR_HOST = "LOGGING_EMULATOR_HOST";
    /** The name other Google libraries (and gcloud's storage emulators) read; {@code host:port} or {@code http://host:port}. */
    public static final String STORAGE_EMULATOR_HOST = "STORAGE_EMULATOR_HOST";

    /**
     * The stock LRO poller waits 5 s, then ×1.5 up to 45 s, and is jittered: each wait is drawn
     * from [0, delay), so a rollback finished server-side at 1 s is noticed anywhere from 1 s to
     * over 5 s (measured: 2.8–3.9 s, OperationPollingBenchmarkTest). 100 ms growing by 10%
     * notices a finished operation within ~100 ms + 10% of its duration (jitter only shortens it).
     */
    static final RetrySettings OPERATION_POLLING = RetrySettings.newBuilder()
            .setInitialRetryDelayDuration(Duration.ofMillis(100))
            .setRetryDelayMultiplier(1.1)
            .setMaxRetryDelayDuration(Duration.ofSeconds(10))
            .setTotalTimeoutDuration(Duration.ofMinutes(20))
            .setInitialRpcTimeoutDuration(Duration.ZERO)
            .setRpcTimeoutMultiplier(1.0)
            .setMaxRpcTimeoutDuration(Duration.ZERO)
            .build();

    /**
     * Reads of the service and its revisions are idempotent, so they are retried on UNAVAILABLE and
     * DEADLINE_EXCEEDED. The generated defaults retry GetService on UNAVAILABLE only, after a first
     * pause of 1 s, and ListRevisions not at all (ServicesStubSettings, RevisionsStubSettings 0.88).
     */
    static final RetrySettings READS = RetrySettings.newBuilder()
            .setInitialRetryDelayDuration(Duration.ofMillis(200))
            .setRetryDelayMultiplier(2.0)
            .setMaxRetryDelayDuration(Duration.ofSeconds(3))
            .setInitialRpcTimeoutDuration(Duration.ofSeconds(10))
            .setRpcTimeoutMultiplier(1.0)
            .setMaxRpcTimeoutDuration(Duration.ofSeconds(10))
            .setTotalTimeoutDuration(Duration.ofSeconds(30))
            .build();
    static final Set<StatusCode.Code> RETRY_READS = Set.of(StatusCode.Code.UNAVAILABLE,
            StatusCode.Code.DEADLINE_EXCEEDED);

    private final Map<String, String> env;
    private final List<AutoCloseable> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Emulators found answering: two clients of one API (services, revisions) share its host. */
    private final Set<String> probed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Lazy<ServicesClient> services = new Lazy<>(() -> create("Cloud Run", () -> {
        ServicesSettings.Builder b = configure(ServicesSettings.newBuilder(), CLOUD_RUN_EMULATOR_HOST);
        b.updateServiceOperationSettings().setPollingAlgorithm(OperationTimedPollAlgorithm.create(OPERATION_POLLING));
        b.getServiceSettings().setRetrySettings(READS).setRetryableCodes(RETRY_READS);
        return ServicesClient.create(b.build());
    }));
    private final Lazy<RevisionsClient> revisions = new Lazy<>(() -> create("Cloud Run", () -> {
        RevisionsSettings.Builder b = configure(RevisionsSettings.newBuilder(), CLOUD_RUN_EMULATOR_HOST);
        b.listRevisionsSettings().setRetrySettings(READS).setRetryableCodes(RETRY_READS);
        return RevisionsClient.create(b.build());
    }));
    private final Lazy<MetricServiceClient> metrics = new Lazy<>(() -> create("Cloud Monitoring",
            () -> MetricServiceClient.create(configure(MetricServiceSettings.newBuilder(), MONITORING_EMULATOR_HOST)
                    .build())));
    private final Lazy<AlertPolicyServiceClient> alertPolicies = new Lazy<>(() -> create("Cloud Monitoring",
            () -> AlertPolicyServiceClient.create(configure(AlertPolicyServiceSettings.newBuilder(),
                    MONITORING_EMULATOR_HOST).build())));
    /** Cloud Monitoring's notification channels: the same endpoint (and emulator) as the alert policies. */
    private final Lazy<com.google.cloud.monitoring.v3.NotificationChannelServiceClient> notificationChannels =
            new Lazy<>(() -> create("Cloud Monitoring", () -> com.google.cloud.monitoring.v3
                    .NotificationChannelServiceClient.create(configure(com.google.cloud.monitoring.v3
                            .NotificationChannelServiceSettings.newBuilder(), MONITORING_EMULATOR_HOST).build())));
    private final Lazy<SecretManagerServiceClient> secrets = new Lazy<>(() -> create("Secret Manager",
            () -> SecretManagerServiceClient.create(configure(SecretManagerServiceSettings.newBuilder(),
                    SECRET_MANAGER_EMULATOR_HOST).build())));
    /**
     * Cloud Logging through the generated client. The library's high-level {@code Logging} client
     * (LoggingOptions) shuts its own channel down against a plaintext endpoint ("UNAVAILABLE:
     * Channel shutdown invoked"), so an emulator could never answer it; the generated one can.
     */
    private final Lazy<com.google.cloud.logging.v2.LoggingClient> logging = new Lazy<>(() -> create("Cloud Logging",
            () -> com.google.cloud.logging.v2.LoggingClient.create(configure(com.google.cloud.logging.v2.LoggingSettings
                    .newBuilder(), LOGGING_EMULATOR_HOST).build())));
    /**
     * Firestore Admin. Its import and export operations are followed by reading them by name
     * (FirestoreRestore), not through the client's OperationFuture, so its LRO polling
     * settings are not used and need no tuning.
     */
    private final Lazy<com.google.cloud.firestore.v1.FirestoreAdminClient> firestoreAdmin = new Lazy<>(() -> create(
            "Firestore Admin", () -> com.google.cloud.firestore.v1.FirestoreAdminClient.create(configure(
                    com.google.cloud.firestore.v1.FirestoreAdminSettings.newBuilder(), FIRESTORE_ADMIN_EMULATOR_HOST)
                    .build())));
    private final Lazy<com.google.cloud.storage.Storage> storage = new Lazy<>(this::newStorage);
    /** BigQuery clients by project (the project of fast-path queries and job ids); REST, nothing to close. */
    private final Map<String, com.google.cloud.bigquery.BigQuery> bigQuery = new java.util.HashMap<>();

    public GcpClients(Map<String, String> env) {
        this.env = env;
    }

    /**
     * A client made on first use under a lock of its own, not one lock for all: the incident record
     * makes its Logging and Monitoring clients on a thread of its own while the change polls Cloud
     * Run, and making one of them (credentials, channel) must not hold up the other.
     */
    private static final class Lazy<T> {
        private final java.util.function.Supplier<T> make;
        private T value;

        Lazy(java.util.function.Supplier<T> make) {
            this.make = make;
        }

        synchronized T get() {
            if (value == null) {
                value = make.get();
            }
            return value;
        }
    }

    public ServicesClient services() {
        return services.get();
    }

    public RevisionsClient revisions() {
        return revisions.get();
    }

    public MetricServiceClient metrics() {
        return metrics.get();
    }

    public AlertPolicyServiceClient alertPolicies() {
        return alertPolicies.get();
    }

    public com.google.cloud.monitoring.v3.NotificationChannelServiceClient notificationChannels() {
        return notificationChannels.get();
    }

    public SecretManagerServiceClient secrets() {
        return secrets.get();
    }

    public com.google.cloud.logging.v2.LoggingClient logging() {
        return logging.get();
    }

    public com.google.cloud.firestore.v1.FirestoreAdminClient firestoreAdmin() {
        return firestoreAdmin.get();
    }

    /**
     * BigQuery for {@code project}: against {@code http://BIGQUERY_EMULATOR_HOST} with no credentials
     * when the variable is set, otherwise Google's endpoint with ADC.
     */
    public com.google.cloud.bigquery.BigQuery bigQuery(String project) {
        synchronized (bigQuery) {
            return bigQuery.computeIfAbsent(project, p -> {
                com.google.cloud.bigquery.BigQueryOptions.Builder b = com.google.cloud.bigquery.BigQueryOptions
                        .newBuilder().setProjectId(p);
                String value = env.get(BIGQUERY_EMULATOR_HOST);
                if (value != null && !value.isBlank()) {
                    String host = value.trim();
                    probeOnce(BIGQUERY_EMULATOR_HOST, host);
                    b.setHost("http://" + host).setCredentials(com.google.cloud.NoCredentials.getInstance());
                }
                try {
                    return b.build().getService();
                } catch (RuntimeException e) {
                    throw new RunbookException(ExitCode.API_FAILURE, "BigQuery: no Google credentials ("
                            + e.getMessage() + "); run `gcloud auth application-default login`, set "
                            + "GOOGLE_APPLICATION_CREDENTIALS, or point the emulator variables at `rollback sandbox`", e);
                }
            });
        }
    }

    /**
     * Cloud Storage (JSON API over HTTP): against GCS_EMULATOR_HOST, else STORAGE_EMULATOR_HOST, in
     * plaintext without credentials when set.
     */
    public com.google.cloud.storage.Storage storage() {
        return storage.get();
    }

    private com.google.cloud.storage.Storage newStorage() {
        String variable = env.get(GCS_EMULATOR_HOST) != null && !env.get(GCS_EMULATOR_HOST).isBlank()
                ? GCS_EMULATOR_HOST : STORAGE_EMULATOR_HOST;
        String value = env.get(variable);
        com.google.cloud.storage.Storage made;
        if (value != null && !value.isBlank()) {
            String host = value.trim().replaceFirst("^http://", "").replaceFirst("/+$", "");
            probeOnce(variable, host);
            made = com.google.cloud.storage.StorageOptions.newBuilder().setHost("http://" + host)
                    .setProjectId("rollback-emulated").setCredentials(com.google.cloud.NoCredentials.getInstance())
                    .build().getService();
        } else {
            try {
                made = com.google.cloud.storage.StorageOptions.getDefaultInstance().getService();
            } catch (RuntimeException e) {
                throw new RunbookException(ExitCode.API_FAILURE, "Cloud Storage: no Google credentials ("
                        + e.getMessage() + "); run `gcloud auth application-default login`, set "
                        + "GOOGLE_APPLICATION_CREDENTIALS, or point the emulator variables at `rollback sandbox`", e);
            }
        }
        open.add(made);
        return made;
    }

    /** Points a settings builder at the emulator named by {@code variable}, when it is set. */
    @SuppressWarnings("rawtypes") // gax's channel configurator takes the raw ManagedChannelBuilder
    private <B extends ClientSettings.Builder<?, ?>> B configure(B builder, String variable) {
        String value = env.get(variable);
        if (value != null && !value.isBlank()) {
            String host = value.trim();
            probeOnce(variable, host);
            builder.setCredentialsProvider(NoCredentialsProvider.create());
            builder.setTransportChannelProvider(InstantiatingGrpcChannelProvider.newBuilder()
                    .setEndpoint(host)
                    .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
                    .build());
        }
        return builder;
    }

    /** Probes each emulator host once however many clients use it (two at once may both probe: harmless). */
    private void probeOnce(String variable, String host) {
        if (!probed.contains(host)) {
            probe(variable, host);
            probed.add(host);
        }
    }

    /**
     * An emulator on this machine that is not running (a stale export from an earlier `rollback
     * sandbox`) would cost the client's whole retry budget before an "unavailable" naming neither
     * the variable nor its value; a refused loopback connection is known at once.
     */
    private static void probe(String variable, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw RunbookException.invalid(variable + "=" + hostPort + " is not host:port");
        }
        if (!VerifyRequest.isLoopback(host)) {
            return; // a remote emulator: its own errors will name it
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host.equals("[::1]") ? "::1" : host, port), 500);
        } catch (IOException e) {
            throw RunbookException.invalid("nothing answers at " + variable + "=" + hostPort + " (" + (e instanceof
                    java.net.ConnectException ? "connection refused" : e.getMessage()) + "): start `rollback sandbox` "
                    + "and export the lines it prints, or unset " + variable + " to use Google");
        }
    }

    private interface Factory<T> {
        T create() throws IOException;
    }

    private <T extends AutoCloseable> T create(String api, Factory<T> factory) {
        try {
            T client = factory.create();
            open.add(client);
            return client;
        } catch (IOException e) {
            throw new RunbookException(ExitCode.API_FAILURE, api + ": no Google credentials (" + e.getMessage()
                    + "); run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, "
                    + "or point the emulator variables at `rollback sandbox`", e);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // Closing is best effort at exit; there is nothing left to protect.
            }
        }
        open.clear();
    }
}

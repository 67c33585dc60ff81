package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder's container image as the build writes it (target/responder-image.tar, Jib on an empty base because
 * no registry is reachable here): what Cloud Run will run, read from the image's own config and layers, and its
 * entrypoint run with this machine's java on the layers unpacked into a folder.
 */
class ResponderImageIT {
    private static final Path TAR = Path.of(System.getProperty("responder.image.tar", "target/responder-image.tar"));
    private static final Path JAR = Path.of(System.getProperty("rollback.jar", "target/rollback.jar"));
    private static final String MAIN = "dev.virtuoso.rollback.cli.Main";

    private static ImageTar image;
    private static JsonNode config;
    /** The layers' entries by what Jib says each holds ("dependencies", "resources", "classes", ...), in order. */
    private static Map<String, List<ImageTar.Entry>> layers;

    @BeforeAll
    static void open() throws IOException {
        ObjectMapper json = new ObjectMapper();
        image = ImageTar.open(TAR);
        JsonNode manifest = json.readTree(image.file("manifest.json")).get(0);
        config = json.readTree(image.file(manifest.get("Config").asText()));
        List<String> comments = new ArrayList<>();
        config.get("history").forEach(h -> {
            if (!h.path("empty_layer").asBoolean()) {
                comments.add(h.path("comment").asText());
            }
        });
        List<String> names = new ArrayList<>();
        manifest.get("Layers").forEach(l -> names.add(l.asText()));
        assertThat(comments).hasSameSizeAs(names);
        layers = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            layers.put(comments.get(i), image.layer(names.get(i)));
        }
    }

    @Test
    void theEntrypointRunsMainOnTheClasspathJibWroteAndTheArgumentsAreRespondServe() {
        List<String> entrypoint = strings(config.at("/config/Entrypoint"));
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint.subList(entrypoint.size() - 3, entrypoint.size()))
                .containsExactly("-cp", "@/app/jib-classpath-file", MAIN);
        assertThat(entrypoint).contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:MaxRAMPercentage=75");
        assertThat(strings(config.at("/config/Cmd"))).containsExactly("respond", "--serve");
    }

    @Test
    void theImageListensOn8080AsANonRootUserAndLeavesTheMetadataServerLookupOn() {
        assertThat(fieldNames(config.at("/config/ExposedPorts"))).containsExactly("8080/tcp");
        String user = config.at("/config/User").asText();
        assertThat(user).isNotBlank();
        assertThat(user.split(":")[0]).isNotIn("0", "root");
        // Cloud Run's credentials come from the metadata server; turning its probe off would leave the responder none.
        List<String> env = strings(config.at("/config/Env"));
        assertThat(env).noneMatch(e -> e.startsWith("NO_GCE_CHECK="));
        // The user may write only under the working directory: the local journal spool goes there too.
        String workingDir = config.at("/config/WorkingDir").asText();
        assertThat(workingDir).isEqualTo("/tmp");
        assertThat(env).contains("ROLLBACK_HOME=/tmp/rollback");
    }

    @Test
    void theImageIsDatedTheEpochAndSoAreItsFilesSoTheSameSourcesMakeTheSameDigest() {
        assertThat(config.get("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
        Set<Long> mtimes = layers.values().stream().flatMap(List::stream).map(ImageTar.Entry::mtime)
                .collect(Collectors.toSet());
        assertThat(mtimes).containsExactly(1L);
    }

    @Test
    void theLayersHoldTheRuntimeDependencyJarsTheProjectsClassesAndItsResourcesAllOnTheClasspath() {
        assertThat(layers.keySet()).containsSubsequence("dependencies", "resources", "classes");
        Set<String> jars = files(layers.get("dependencies"));
        assertThat(jars).allMatch(p -> p.startsWith("app/libs/") && p.endsWith(".jar"))
                .anyMatch(p -> p.startsWith("app/libs/google-cloud-run-"))
                .anyMatch(p -> p.startsWith("app/libs/grpc-netty-shaded-"))
                .anyMatch(p -> p.startsWith("app/libs/jackson-databind-"))
                // Test-scoped libraries stay out of what Cloud Run runs.
                .noneMatch(p -> p.contains("junit") || p.contains("mockito") || p.contains("zetasql"));
        assertThat(files(layers.get("classes"))).contains("app/classes/dev/virtuoso/rollback/cli/Main.class",
                "app/classes/picocli/CommandLine.class");
        assertThat(files(layers.get("resources"))).contains("app/resources/runbooks/sandbox.yaml",
                "app/resources/META-INF/services/dev.virtuoso.rollback.cli.EmbeddedSandbox$Provider");

        Set<String> all = new TreeSet<>();
        layers.values().forEach(entries -> entries.forEach(e -> all.add(e.path().replaceAll("/$", ""))));
        String classpathFile = layers.values().stream().flatMap(List::stream)
                .filter(e -> e.path().equals("app/jib-classpath-file")).findFirst()
                .map(e -> new String(e.content(), StandardCharsets.UTF_8).trim()).orElseThrow();
        List<String> classpath = Arrays.asList(classpathFile.split(":"));
        assertThat(classpath).startsWith("/app/resources", "/app/classes");
        assertThat(classpath).allMatch(p -> all.contains(p.substring(1)), "is in a layer");
        assertThat(jars).allMatch(j -> classpath.contains("/" + j), "is on the classpath");
    }

    @Test
    void theImagesOwnEntrypointRunWithThisMachinesJavaPrintsTheVersionOfTheBuiltJar(@TempDir Path root)
            throws Exception {
        unpack(root);
        Outputs version = Outputs.of(imageProcess(root, List.of("--version")).start(), 60);
        assertThat(version.err()).isEmpty();
        assertThat(version.code()).isZero();
        assertThat(version.out().strip()).isEqualTo("rollback " + jarVersion());
    }

    @Test
    void theImagesOwnCommandServesAPubSubPushThatRollsTheSandboxServiceBackOnce(@TempDir Path root) throws Exception {
        unpack(root);
        try (Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults())) {
            SandboxControls controls = new SandboxControls(sandbox);
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            ProcessBuilder pb = asDeployed(imageProcess(root, strings(config.at("/config/Cmd"))), sandbox, root);
            pb.environment().put("PORT", Integer.toString(port));
            pb.redirectErrorStream(true).redirectOutput(root.resolve("server.log").toFile());
            Process server = pb.start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port + "/");
                HttpClient http = HttpClient.newHttpClient();
                awaitHealthy(http, base, server, root.resolve("server.log"));
                String message = pushEnvelope(openIncident("0.image"));

                HttpResponse<String> acted = http.send(HttpRequest.newBuilder(base)
                        .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(acted.statusCode()).as(acted.body()).isEqualTo(200);
                assertThat(controls.trafficStatuses()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
                int updates = controls.cloudRunMutations();

                // Pub/Sub delivers at least once: the same message again is acknowledged and changes nothing.
                HttpResponse<String> again = http.send(HttpRequest.newBuilder(base)
                        .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
                assertThat(again.body()).contains("incident 0.image was already handled");
                assertThat(controls.cloudRunMutations()).isEqualTo(updates);
            } finally {
                server.destroy();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }

            // The team's journal names the responder as who acted (the image sets no host name: that part is
            // whatever the instance's is).
            Outputs history = Outputs.of(asDeployed(imageProcess(root, List.of("-o", "json", "history")), sandbox,
                    root).start(), 60);
            assertThat(history.code()).as(history.err()).isZero();
            JsonNode steps = new ObjectMapper().readTree(history.out());
            List<String> users = new ArrayList<>();
            steps.findValues("user").forEach(u -> users.add(u.asText()));
            assertThat(users).isNotEmpty().containsOnly("rollback-responder");
        }
    }

    @Test
    void theImageNamesItsUserRollbackResponderForTheJournalAndTheLocks() {
        assertThat(strings(config.at("/config/Env"))).contains("USER=rollback-responder");
    }

    /** What deploy/responder.sh gives the service, against the sandbox: the runbook as a file, the team's journal. */
    private static ProcessBuilder asDeployed(ProcessBuilder pb, Sandbox sandbox, Path root) {
        pb.environment().putAll(sandbox.emulatorVariables());
        pb.environment().put("ROLLBACK_RUNBOOK", Path.of("runbooks/sandbox.yaml").toAbsolutePath().toString());
        pb.environment().put("ROLLBACK_JOURNAL", "gs://" + Sandbox.JOURNAL_BUCKET + "/responder");
        // The image's /tmp is this test's folder, not this machine's.
        pb.environment().put("ROLLBACK_HOME", root.resolve("tmp/rollback").toString());
        // Only because no metadata server answers here; the image itself leaves the lookup on (test above).
        pb.environment().put("NO_GCE_CHECK", "true");
        return pb;
    }

    private static void awaitHealthy(HttpClient http, URI base, Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(server.isAlive()).as(() -> "the server ended: " + read(log)).isTrue();
            try {
                if (http.send(HttpRequest.newBuilder(base).GET().build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet: the JVM is still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server never answered: " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A Cloud Monitoring notification (schema 1.2) about the sandbox's service, open. */
    private static String openIncident(String id) {
        return "{\"version\": \"1.2\", \"incident\": {\"incident_id\": \"" + id + "\", \"state\": \"open\", "
                + "\"started_at\": 1765100000, \"policy_name\": \"Auto Rollback on High Error Rate\", "
                + "\"resource\": {\"type\": \"cloud_run_revision\", \"labels\": {\"project_id\": "
                + "\"virtuoso-sandbox\", \"service_name\": \"virtuoso-api\", \"location\": \"us-central1\"}}, "
                + "\"summary\": \"5xx ratio for virtuoso-api is above the threshold\"}}";
    }

    /** The notification as a Pub/Sub push subscription posts it. */
    private static String pushEnvelope(String notification) {
        return "{\"message\": {\"data\": \"" + Base64.getEncoder().encodeToString(
                notification.getBytes(StandardCharsets.UTF_8)) + "\", \"messageId\": \"1\"}, "
                + "\"subscription\": \"projects/virtuoso-sandbox/subscriptions/rollback-responder\"}";
    }

    /** Every layer written into root, in order, as the container's file system would be. */
    private static void unpack(Path root) throws IOException {
        for (List<ImageTar.Entry> entries : layers.values()) {
            for (ImageTar.Entry e : entries) {
                Path target = root.resolve(e.path()).normalize();
                assertThat(target.startsWith(root)).as(e.path() + " stays inside the folder").isTrue();
                if (e.type() == '5') {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.write(target, e.content());
                }
            }
        }
    }

    /**
     * The image's entrypoint followed by args, as Cloud Run would start it, with the image's environment and working
     * directory, re-rooted at root: its `java` is this machine's, and each absolute path it names (the classpath's
     * argument file and the entries in it) is found under root.
     */
    private static ProcessBuilder imageProcess(Path root, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        for (String word : strings(config.at("/config/Entrypoint"))) {
            if (command.isEmpty()) {
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            } else if (word.startsWith("@/")) {
                Path argFile = root.resolve(word.substring(2));
                String classpath = Files.readString(argFile).trim();
                Path rerooted = Files.writeString(argFile.resolveSibling(argFile.getFileName() + ".rerooted"),
                        reroot(root, classpath));
                command.add("@" + rerooted);
            } else {
                command.add(word);
            }
        }
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        for (String variable : strings(config.at("/config/Env"))) {
            int eq = variable.indexOf('=');
            pb.environment().put(variable.substring(0, eq), variable.substring(eq + 1));
        }
        Path workingDir = root.resolve(config.at("/config/WorkingDir").asText().substring(1));
        pb.directory(Files.createDirectories(workingDir).toFile());
        return pb;
    }

    private static String reroot(Path root, String classpath) {
        return Arrays.stream(classpath.split(":")).map(p -> p.startsWith("/") ? root + p : p)
                .collect(Collectors.joining(":"));
    }

    private static String jarVersion() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            String version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
            assertThat(version).as("the jar's version").isNotBlank();
            return version;
        }
    }

    private static Set<String> files(List<ImageTar.Entry> entries) {
        return entries.stream().filter(ImageTar.Entry::isFile).map(ImageTar.Entry::path)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

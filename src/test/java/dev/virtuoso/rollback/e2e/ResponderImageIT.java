package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
        Process p = imageProcess(root, List.of("--version")).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(err).isEmpty();
        assertThat(p.exitValue()).isZero();
        assertThat(out.strip()).isEqualTo("rollback " + jarVersion());
    }

    // `respond --serve` against the sandbox goes here once that command exists: unpack(root), then
    // imageProcess(root, strings(config.at("/config/Cmd"))) with the sandbox's emulator variables, PORT,
    // ROLLBACK_RUNBOOK and ROLLBACK_JOURNAL put into its environment; POST a Pub/Sub push envelope to
    // 127.0.0.1:PORT and assert the answer and what the sandbox's service serves afterwards.

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

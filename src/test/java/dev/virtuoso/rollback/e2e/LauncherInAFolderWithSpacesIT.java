package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build's three files installed in a folder whose path has spaces ("my tools/rollback dir"),
 * run through the launcher there: every path it hands the JVM (jar, class-data archive) must
 * arrive whole.
 */
class LauncherInAFolderWithSpacesIT {
    private static final Path BUILD = Path.of(System.getProperty("rollback.launcher", "target/rollback"))
            .toAbsolutePath().getParent();
    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) source: (.+)$");
    private static final String ARCHIVE = "shared objects file (top)";
    private static Path root;
    private static Path installed;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void install() throws IOException {
        root = Files.createTempDirectory(BUILD, "launcher-it-");
        installed = Files.createDirectories(root.resolve("my tools/rollback dir"));
        for (String file : List.of("rollback", "rollback.jsa")) {
            Files.copy(BUILD.resolve(file), installed.resolve(file));
        }
        // A hard link, not a copy: Java 17 maps a class-data archive only for the very jar file it
        // was made with (checked by path, then by device and inode); a copy of the jar is another
        // file, and the archive would be skipped without a word.
        Files.createLink(installed.resolve("rollback.jar"), BUILD.resolve("rollback.jar"));
        assertThat(installed.toString()).contains("my tools/rollback dir");
    }

    @AfterAll
    static void uninstall() throws IOException {
        try (var files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void versionAndHelpAnswerExactlyAsTheBuildsLauncherDoes() throws Exception {
        for (String line : List.of("--version", "--help", "status --help")) {
            String[] args = line.split(" ");
            Run there = run(installed.resolve("rollback"), Map.of(), args);
            Run build = run(BUILD.resolve("rollback"), Map.of(), args);
            assertThat(there.code()).as(line + ": " + there.err()).isZero();
            assertThat(there.err()).as(line).isEmpty();
            assertThat(there.out()).as(line).isEqualTo(build.out()).isNotBlank();
        }
    }

    @Test
    void statusReadsTheSandboxThroughTheLauncherInstalledThere() throws Exception {
        try (Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults())) {
            Map<String, String> env = new HashMap<>(sandbox.emulatorVariables());
            env.put("ROLLBACK_HOME", root.resolve("home").toString());
            env.put("ROLLBACK_INCIDENT_DIR", root.resolve("home").toString() + "/incidents");
            env.put("ROLLBACK_RUNBOOK", "runbooks/sandbox.yaml");
            env.put("NO_GCE_CHECK", "true");
            Path log = Files.createTempFile("class-load", ".log"); // ROLLBACK_JAVA_OPTS splits on spaces
            env.put("ROLLBACK_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
            Run status = run(installed.resolve("rollback"), env, "status");
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).startsWith("virtuoso-api  virtuoso-sandbox/us-central1\n")
                    .contains("\n    LATEST (= virtuoso-api-00003-ghi)  100%\n");
            // The Google stack it needs comes from the class-data archive beside the launcher.
            assertThat(sources(log)).containsEntry("dev.virtuoso.rollback.cli.command.StatusCommand", ARCHIVE)
                    .containsEntry("com.google.cloud.run.v2.ServicesClient", ARCHIVE);
        }
    }

    @Test
    void theJvmGetsTheJarPathWholeAndTheUsersOptionsSplitOnSpaces() throws Exception {
        // -XshowSettings:properties prints the system properties on stderr and runs the command.
        Run r = run(installed.resolve("rollback"), Map.of("ROLLBACK_JAVA_OPTS",
                "-XshowSettings:properties -Drollback.test.second=option"), "--version");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("    java.class.path = " + installed.resolve("rollback.jar") + "\n")
                .contains("    rollback.test.second = option\n");
    }

    @Test
    void helpReadsNoClassFromTheJarOnlyFromTheArchiveBesideTheLauncher() throws Exception {
        Path log = Files.createTempFile("class-load", ".log");
        Run help = run(installed.resolve("rollback"), Map.of("ROLLBACK_JAVA_OPTS", "-Xlog:class+load=info:file=" + log),
                "--help");
        assertThat(help.code()).as(help.err()).isZero();
        Map<String, String> sources = sources(log);
        assertThat(sources).containsEntry("dev.virtuoso.rollback.cli.Main", ARCHIVE);
        assertThat(sources.entrySet()).as("classes read from the jar").filteredOn(e -> e.getValue().startsWith("file:"))
                .isEmpty();
    }

    /** Each class in a class-load log and where the JVM loaded it from; the log is deleted. */
    private static Map<String, String> sources(Path log) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = LOADED.matcher(line);
            if (m.find()) {
                sources.put(m.group(1), m.group(2));
            }
        }
        Files.delete(log);
        assertThat(sources).as("the log shows the command ran").containsKey("dev.virtuoso.rollback.cli.Main");
        return sources;
    }

    private static Run run(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        pb.environment().putIfAbsent("ROLLBACK_HOME", root.resolve("home").toString());
        pb.environment().putIfAbsent("ROLLBACK_INCIDENT_DIR", root.resolve("home").toString() + "/incidents");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }
}

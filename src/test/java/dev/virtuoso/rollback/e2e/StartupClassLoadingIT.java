package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built launcher, run as users run it, with the JVM's class-load log: commands that need no
 * cloud API load none of the heavy libraries (docs/performance.md).
 */
class StartupClassLoadingIT {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static final List<String> HEAVY = List.of("com.google.", "io.grpc.", "com.fasterxml.jackson.", "okhttp3.",
            "okio.", "kotlin.");
    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) source:");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"--version", "--help", "--no-such-flag", "status --help", "quick --no-such-flag"})
    void loadsNoGoogleGrpcProtobufJacksonOrOkHttpClass(String args) throws Exception {
        assertThat(loaded(args)).filteredOn(c -> HEAVY.stream().anyMatch(c::startsWith)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "--help", "--no-such-flag", "status --help", "restore secrets -h",
        "quick --no-such-flag", "statsu"})
    void helpAndUnknownWordsReadEveryClassFromTheArchiveNotTheJar(String args) throws Exception {
        loaded(args);
        // The build trains the class-data archive on help and mistyped words (ArchiveTraining), so
        // picocli's help and suggestion classes come from it: the jar's 68 MB central directory is
        // never read.
        assertThat(Files.readAllLines(dir.resolve("classes.log"), StandardCharsets.UTF_8))
                .filteredOn(l -> l.contains("source: file:")).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void aSandboxDrillReadsTheGoogleClientsAndTheIncidentRecordsChartsFromTheArchive() throws Exception {
        loaded("drill --sandbox --report " + dir.resolve("drills"));
        // The build's training is such a drill: had it failed (it runs with `failonerror` off, so a
        // build never breaks on it), these would come from the jar and every command start slower.
        List<String> log = Files.readAllLines(dir.resolve("classes.log"), StandardCharsets.UTF_8);
        for (String name : List.of("com.google.cloud.run.v2.ServicesClient", "com.google.cloud.logging.v2.LoggingClient",
                "org.jfree.chart.JFreeChart", "dev.virtuoso.rollback.incident.IncidentRecorder")) {
            assertThat(log).as(name).anyMatch(l -> l.contains("] " + name + " source: shared objects file"));
        }
    }

    private List<String> loaded(String args) throws Exception {
        Path log = dir.resolve("classes.log");
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER));
        cmd.addAll(List.of(args.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ROLLBACK_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        pb.environment().put("ROLLBACK_HOME", dir.toString());
        pb.environment().put("ROLLBACK_INCIDENT_DIR", dir.toString() + "/incidents");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isIn(0, 2);

        List<String> classes = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = LOADED.matcher(line);
            if (m.find()) {
                classes.add(m.group(1));
            }
        }
        assertThat(classes).as("the log shows the command ran").contains("dev.virtuoso.rollback.cli.Main");
        return classes;
    }
}

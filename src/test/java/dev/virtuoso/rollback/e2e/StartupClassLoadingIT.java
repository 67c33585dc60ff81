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
import org.junit.jupiter.api.Test;
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
    @ValueSource(strings = {"--help", "--no-such-flag", "status --help", "restore secrets -h", "quick --no-such-flag",
        "statsu"})
    void helpAndUnknownWordsAreAnsweredWithoutBuildingPicocli(String args) throws Exception {
        // A picocli exception type may be loaded with a class that throws it; the model is not.
        assertThat(loaded(args)).filteredOn(c -> c.equals("picocli.CommandLine") || c.startsWith("picocli.CommandLine$Model"))
                .isEmpty();
        // Every class comes from the class-data archive (the build trains it on these lines), and the
        // index from the copy beside the jar: the jar's 68 MB central directory is never read.
        assertThat(Files.readAllLines(dir.resolve("classes.log"), StandardCharsets.UTF_8))
                .filteredOn(l -> l.contains("source: file:")).isEmpty();
    }

    private List<String> loaded(String args) throws Exception {
        Path log = dir.resolve("classes.log");
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER));
        cmd.addAll(List.of(args.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ROLLBACK_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        pb.environment().put("ROLLBACK_HOME", dir.toString());
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

    @Test
    void versionAloneAnswersExactlyWhatPicocliPrintsForIt() throws Exception {
        // `--version --no-color` goes through picocli; `--version` alone is answered before it starts.
        assertThat(stdout("--version")).isEqualTo(stdout("--version", "--no-color")).startsWith("rollback ");
    }

    @Test
    void theLauncherReadsTheIndexBesideTheJarUnlessItIsOlderThanTheJar() throws Exception {
        // A copy of the build whose index says something picocli never would: seen only when used.
        Path build = Path.of(LAUNCHER).toAbsolutePath().getParent();
        Path copy = Files.createDirectories(dir.resolve("copy"));
        Files.copy(build.resolve("rollback"), copy.resolve("rollback"));
        Files.createSymbolicLink(copy.resolve("rollback.jar"), build.resolve("rollback.jar"));
        List<String> index = new java.util.ArrayList<>(Files.readAllLines(build.resolve("rollback.idx")));
        int usage = index.indexOf(index.stream().filter(l -> l.startsWith("usage\t")).findFirst().orElseThrow());
        index.set(usage + 1, "FROM THE COPY BESIDE THE JAR");
        Path idx = Files.write(copy.resolve("rollback.idx"), index);
        String real = stdout("--help");

        assertThat(run(copy.resolve("rollback").toString(), "--help")).startsWith("FROM THE COPY BESIDE THE JAR\n");
        Files.setLastModifiedTime(idx, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(build.resolve("rollback.jar")).toMillis() - 60_000));
        assertThat(run(copy.resolve("rollback").toString(), "--help")).isEqualTo(real);
    }

    private String stdout(String... args) throws Exception {
        return run(LAUNCHER, args);
    }

    private String run(String launcher, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return out;
    }
}

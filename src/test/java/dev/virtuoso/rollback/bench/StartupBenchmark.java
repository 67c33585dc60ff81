package dev.virtuoso.rollback.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up benchmark (issue 10): each command as a whole process through the built launcher, the way
 * users run it, against an in-process sandbox whose operations take no time; in the same rounds, a
 * Hello compiled now and run with the java the launcher uses ({@code $JAVA_HOME/bin/java}, else
 * {@code java} on the PATH). Prints each command's median wall time and its ratio to Hello's median,
 * then the peak RSS of {@code quick} against the demo service and against one with 1 000 more
 * revisions. Not part of {@code verify}; run it with {@code ./mvnw -B -q -Pbench verify}, which also
 * runs the LRO-notice and verify-concurrency benchmarks ({@code -Dbench.rounds=N}, default 10;
 * {@code -Dbench.baseline=PATH/rollback} adds another build's launcher, e.g. main's, to the same rounds).
 */
class StartupBenchmark {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static final String[] REVISIONS = {"virtuoso-api-00002-def", "virtuoso-api-00001-abc"};

    @TempDir
    Path dir;

    record Command(String label, List<String> args, int exitCode) {
    }

    @Test
    void printsMedianWallTimePerCommandAndItsRatioToHello() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 10);
        String java = System.getenv("JAVA_HOME") == null ? "java" : System.getenv("JAVA_HOME") + "/bin/java";
        List<String> hello = List.of(java, "-cp", compileHello().toString(), "Hello");
        try (Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ZERO)
                .withRevisionStartDelay(Duration.ZERO))) {
            Map<String, String> env = env(sandbox);
            List<Command> commands = new ArrayList<>(List.of(new Command("java -cp DIR Hello", hello, 0)));
            commands.addAll(commands(LAUNCHER, ""));
            String baseline = System.getProperty("bench.baseline", "");
            if (!baseline.isBlank()) {
                commands.addAll(commands(baseline, "baseline "));
            }
            Map<String, List<Long>> wall = new LinkedHashMap<>();
            commands.forEach(c -> wall.put(c.label(), new ArrayList<>()));
            int quick = 0;
            for (int round = 0; round <= rounds; round++) { // round 0 warms the file cache, not counted
                for (Command c : commands) {
                    // Each quick moves the traffic (to one revision, then back), so none is a no-op.
                    List<String> args = new ArrayList<>(c.args());
                    if (c.label().endsWith("quick --to-revision R --yes")) {
                        args.addAll(List.of("quick", "--to-revision", REVISIONS[quick++ % 2], "--yes"));
                    }
                    Run r = run(args, env, false);
                    assertThat(r.exitCode()).as(c.label()).isEqualTo(c.exitCode());
                    if (round > 0) {
                        wall.get(c.label()).add(r.nanos());
                    }
                }
            }
            double base = median(wall.get(commands.get(0).label()));
            StringBuilder table = new StringBuilder(String.format("%nstart-up, whole process, median of %d rounds "
                    + "(%d processors, java: %s):%n| command | median wall | ratio to hello |%n|---|---|---|%n",
                    rounds, Runtime.getRuntime().availableProcessors(), java));
            wall.forEach((label, times) -> table.append(String.format("| `%s` | %.3f s | %.1f× |%n", label,
                    median(times) / 1e9, median(times) / base)));
            System.out.print(table);

            journalGrowth(env, rounds, baseline);

            SandboxControls controls = new SandboxControls(sandbox);
            String before = peakOfQuick(env, 3);
            controls.addOlderRevisions(1000);
            String after = peakOfQuick(env, 3);
            System.out.printf("peak RSS of quick --to-revision R --yes (largest of 3): %s with 4 revisions, %s with "
                    + "1 004 revisions%n", before, after);
        }
    }

    /**
     * {@code history} and {@code quick} with a journal of 5 001 lines (1 667 steps of three lines,
     * made from this run's own records) against the same with the short journal of this run, in the
     * same rounds, for this launcher and the baseline's.
     */
    private void journalGrowth(Map<String, String> env, int rounds, String baseline) throws Exception {
        Path home = Path.of(env.get("ROLLBACK_HOME"));
        Path longHome = Files.createDirectories(dir.resolve("long-journal"));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var sample = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                Files.readAllLines(home.resolve("journal.jsonl")).get(0));
        List<String> lines = new ArrayList<>();
        for (int step = 0; lines.size() < 5001; step++) {
            for (String state : List.of("planned", "applied", "verified")) {
                String id = String.format("20250101T000000Z-%04x", step);
                lines.add(json.writeValueAsString(sample.deepCopy().put("id", id).put("state", state)
                        .put("time", "2025-01-01T00:00:00Z")));
            }
        }
        Files.write(longHome.resolve("journal.jsonl"), lines);
        Map<String, String> longEnv = new HashMap<>(env);
        longEnv.put("ROLLBACK_HOME", longHome.toString());

        List<String> launchers = baseline.isBlank() ? List.of(LAUNCHER) : List.of(LAUNCHER, baseline);
        Map<String, List<Long>> wall = new LinkedHashMap<>();
        int quick = 0;
        for (int round = 0; round <= rounds; round++) {
            for (String launcher : launchers) {
                for (String command : List.of("history", "quick")) {
                    for (boolean isLong : new boolean[] {false, true}) {
                        List<String> args = new ArrayList<>(List.of(launcher, command));
                        if (command.equals("quick")) {
                            args.addAll(List.of("--to-revision", REVISIONS[quick++ % 2], "--yes"));
                        }
                        Run r = run(args, isLong ? longEnv : env, false);
                        assertThat(r.exitCode()).as(String.join(" ", args)).isZero();
                        if (round > 0) {
                            wall.computeIfAbsent((launcher.equals(LAUNCHER) ? "" : "baseline ") + command
                                    + (isLong ? " long" : " short"), k -> new ArrayList<>()).add(r.nanos());
                        }
                    }
                }
            }
        }
        System.out.printf("%njournal of 5 001 lines vs this run's short one, median of %d rounds:%n", rounds);
        for (String launcher : launchers) {
            String prefix = launcher.equals(LAUNCHER) ? "" : "baseline ";
            for (String command : List.of("history", "quick")) {
                double shortOne = median(wall.get(prefix + command + " short"));
                double longOne = median(wall.get(prefix + command + " long"));
                System.out.printf("  %s%s: %.3f s vs %.3f s, ratio %.2f%n", prefix, command, longOne / 1e9,
                        shortOne / 1e9, longOne / shortOne);
            }
        }
    }

    private String peakOfQuick(Map<String, String> env, int runs) throws Exception {
        long peak = 0;
        for (int i = 0; i < runs; i++) {
            Run r = run(launcher("quick", "--to-revision", REVISIONS[i % 2], "--yes"), env, true);
            assertThat(r.exitCode()).isZero();
            peak = Math.max(peak, r.peakKb());
        }
        return peak == 0 ? "n/a (no /proc)" : String.format("%.0f MiB", peak / 1024.0);
    }

    /** The measured commands of one launcher, labelled with {@code prefix}. */
    private static List<Command> commands(String launcher, String prefix) {
        return List.of(
                new Command(prefix + "rollback --version", List.of(launcher, "--version"), 0),
                new Command(prefix + "rollback --help", List.of(launcher, "--help"), 0),
                new Command(prefix + "rollback --no-such-flag", List.of(launcher, "--no-such-flag"), 2),
                new Command(prefix + "rollback history", List.of(launcher, "history"), 0),
                new Command(prefix + "rollback status", List.of(launcher, "status"), 0),
                new Command(prefix + "rollback quick --to-revision R --yes", List.of(launcher), 0));
    }

    private static List<String> launcher(String... args) {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Map<String, String> env(Sandbox sandbox) throws IOException {
        Map<String, String> env = new HashMap<>(sandbox.emulatorVariables());
        env.put("ROLLBACK_HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.put("ROLLBACK_RUNBOOK", "runbooks/sandbox.yaml");
        env.put("NO_GCE_CHECK", "true");
        return env;
    }

    private Path compileHello() throws IOException {
        Path src = dir.resolve("Hello.java");
        Files.writeString(src, "public class Hello { public static void main(String[] a) { "
                + "System.out.println(\"hello\"); } }\n", StandardCharsets.UTF_8);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "--release", "17", "-d", dir.toString(), src.toString())).isZero();
        return dir;
    }

    record Run(int exitCode, long nanos, long peakKb) {
    }

    /**
     * One whole process, output discarded. With {@code sampleMemory}, its peak RSS: VmHWM from /proc,
     * read every 10 ms until it exits (a high-water mark, so the last read is the peak up to then).
     */
    private static Run run(List<String> cmd, Map<String, String> env, boolean sampleMemory) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        long peak = 0;
        if (sampleMemory) {
            Path status = Path.of("/proc", Long.toString(p.pid()), "status");
            while (!p.waitFor(10, TimeUnit.MILLISECONDS)) {
                peak = Math.max(peak, highWaterKb(status));
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), System.nanoTime() - t0, peak);
    }

    private static long highWaterKb(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // The process exited between two reads (or there is no /proc): the earlier reads stand.
        }
        return 0;
    }

    private static double median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }
}

package dev.virtuoso.rollback.sandbox;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * git as a program with an argument list, never through a shell, with no system or global
 * configuration, no inherited GIT_* variables and no prompts: neither the user's settings nor a
 * credential helper can change what the sandbox does or make it wait. The product's own runner
 * (dev.virtuoso.rollback.git) is not used here: the sandbox stands alone (ArchitectureTest), and
 * this one only works on the local bare repository of `--git-repo`.
 */
final class Git {
    private static final long TIMEOUT_SECONDS = 30;

    private Git() {
    }

    /** Exit code and output (stdout and stderr together) of one git command. */
    record Result(int exitCode, String output) {
    }

    /** Runs {@code git args...} in {@code dir}; {@code env} adds variables (identity, dates). */
    static Result exec(Path dir, Map<String, String> env, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add("git");
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> vars = pb.environment();
        vars.keySet().removeIf(k -> k.startsWith("GIT_"));
        vars.put("GIT_CONFIG_NOSYSTEM", "1");
        vars.put("GIT_CONFIG_GLOBAL", "/dev/null");
        vars.put("GIT_TERMINAL_PROMPT", "0");
        vars.putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // Read while git runs, so that the timeout holds even when git never closes its output.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException("git " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return new Result(p.exitValue(), "");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("git " + String.join(" ", args) + " interrupted");
        }
    }

    /** Runs {@code git args...} in {@code dir} and answers its output; a non-zero exit is an IOException. */
    static String run(Path dir, Map<String, String> env, String... args) throws IOException {
        Result r = exec(dir, env, List.of(args));
        if (r.exitCode() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed (exit " + r.exitCode() + "): "
                    + r.output().strip());
        }
        return r.output();
    }
}

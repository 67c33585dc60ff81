package dev.virtuoso.rollback.adapter.git;

import dev.virtuoso.rollback.config.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Starts the system {@code git} with an argument list, never through a shell, with stdin closed,
 * a timeout, and an environment in which git cannot wait for a person.
 */
final class Git {
    /** What {@code git rev-parse --local-env-vars} lists: they point git at another repository. */
    private static final List<String> REPOSITORY_VARIABLES = List.of("GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG",
            "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
            "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
            "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR");

    /** Reads a process's output while it runs: a full pipe would otherwise block git forever. */
    private static final Executor READERS = task -> {
        Thread t = new Thread(task, "git-output");
        t.setDaemon(true);
        t.start();
    };

    /** Exit status and output of one git run. */
    record Result(int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }
    }

    private final Duration timeout;
    private final Map<String, String> environment;
    private final Consumer<String> trace;

    Git(Duration timeout, Map<String, String> environment, Consumer<String> trace) {
        this.timeout = timeout;
        this.environment = Map.copyOf(environment);
        this.trace = trace;
    }

    Result run(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        trace.accept(String.join(" ", command));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        configure(builder.environment());
        Process process;
        try {
            process = builder.start();
            // EOF on stdin: anything that still tries to read an answer gets none instead of waiting.
            process.getOutputStream().close();
        } catch (IOException e) {
            throw GitErrors.notStarted(e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()), READERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()), READERS);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(process);
                throw GitErrors.timedOut(args[0], Durations.format(timeout));
            }
            return new Result(process.exitValue(), rest(out), rest(err));
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw GitErrors.interrupted(args[0]);
        }
    }

    private void configure(Map<String, String> env) {
        REPOSITORY_VARIABLES.forEach(env::remove);
        env.putAll(environment);
        // Credentials are asked on the terminal, or by Git Credential Manager in a window: fail instead.
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GCM_INTERACTIVE", "never");
        // GIT_EDITOR outranks -c core.editor (and VISUAL, EDITOR): only the variable keeps an editor shut.
        env.put("GIT_EDITOR", "true");
        env.put("GIT_PAGER", "cat");
        // Messages are parsed (a refused push, a missing remote branch): they must not be translated.
        env.put("LC_ALL", "C");
        env.remove("LANGUAGE");
        // git status otherwise takes index.lock to refresh it, racing the user's own git.
        env.put("GIT_OPTIONAL_LOCKS", "0");
    }

    /** Kills git and what it started (ssh, remote helpers, hooks), which would keep the pipes open. */
    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** A hook may leave a child behind that holds the pipe; its output is not worth waiting for. */
    private static String rest(CompletableFuture<String> output) throws InterruptedException {
        try {
            return output.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return "";
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

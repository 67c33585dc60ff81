package dev.virtuoso.rollback.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child's stdout and stderr, read at the same time until it ends. Read one after the other, a child that fills the
 * second pipe (about 64 KB) while the first is read blocks on its write and never ends.
 */
public record Outputs(int code, String out, String err) {

    /** Reads both streams of {@code process} to their end and waits for it; fails after {@code seconds}. */
    public static Outputs of(Process process, long seconds) throws IOException, InterruptedException {
        // A thread of its own for each stream: a shared pool that happens to be busy would leave one pipe unread.
        CompletableFuture<String> err = reader(process.getErrorStream(), "stderr");
        CompletableFuture<String> out = reader(process.getInputStream(), "stdout");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try {
            String stdout = out.get(left(deadline), TimeUnit.NANOSECONDS);
            String stderr = err.get(left(deadline), TimeUnit.NANOSECONDS);
            if (!process.waitFor(left(deadline), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException();
            }
            return new Outputs(process.exitValue(), stdout, stderr);
        } catch (TimeoutException late) {
            process.destroyForcibly();
            throw new AssertionError(process.info().commandLine().orElse("the process") + " did not end within "
                    + seconds + " s", late);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private static CompletableFuture<String> reader(InputStream in, String name) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                text.complete(text(in));
            } catch (RuntimeException e) {
                text.completeExceptionally(e);
            }
        }, "outputs-" + name);
        t.setDaemon(true);
        t.start();
        return text;
    }

    private static long left(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static String text(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

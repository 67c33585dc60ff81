package dev.virtuoso.rollback.adapter.slack;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Posts leave on a thread of their own, in order, so a slow or dead Slack never delays a
 * rollback; {@link #close()} gives them a bounded time to finish at exit. Nothing a post does
 * escapes that thread: every failure is a warning.
 */
final class SlackOutbox implements AutoCloseable {
    /** How long the process waits at exit for posts still on their way. */
    static final Duration DRAIN = Duration.ofSeconds(3);

    private final Consumer<String> warn;
    /** A post failed or was dropped. */
    private final AtomicBoolean undelivered = new AtomicBoolean();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "slack");
        t.setDaemon(true);
        return t;
    });

    SlackOutbox(Consumer<String> warn) {
        this.warn = warn;
    }

    /** Queues a post; a post after {@link #close()} is dropped with a warning. */
    void send(Runnable post) {
        try {
            sender.execute(() -> {
                try {
                    post.run();
                } catch (RuntimeException e) {
                    // Not e's message: it may hold the URL or the token.
                    failed("Slack notification failed: " + e.getClass().getSimpleName());
                }
            });
        } catch (RejectedExecutionException e) {
            undelivered.set(true);
            warn.accept("Slack notification not sent: the run is ending");
        }
    }

    /** A post that did not reach Slack: remembered for {@link #flush()}, and warned about. */
    void failed(String warning) {
        undelivered.set(true);
        warnSafely(warning);
    }

    /** Waits at most {@link #DRAIN} for the posts queued so far; false when one failed or is still unsent. */
    boolean flush() {
        try {
            sender.submit(() -> { }).get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !undelivered.get();
    }

    /** A warning that cannot fail the thread it is given on. */
    void warnSafely(String warning) {
        try {
            warn.accept(warning);
        } catch (RuntimeException ignored) {
            // nowhere left to report it
        }
    }

    /** Waits at most {@link #DRAIN} for posts still on their way, then gives up on them with a warning. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                warn.accept("Slack notification still unsent after " + DRAIN.toSeconds() + "s; not waiting longer");
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

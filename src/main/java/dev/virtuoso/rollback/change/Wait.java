package dev.virtuoso.rollback.change;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way the tool waits: a pause, or reads repeated with backoff until a goal or a
 * deadline. Time is injected, and Ctrl-C (an interrupt) ends every wait the same way: exit 130
 * naming what was being waited for.
 */
public final class Wait {
    /** Pauses that start at {@code first} and grow by {@code factor} up to {@code max}. */
    public record Backoff(Duration first, double factor, Duration max) {
        public static Backoff fixed(Duration d) {
            return new Backoff(d, 1.0, d);
        }

        Duration after(Duration pause) {
            Duration next = Duration.ofNanos((long) (pause.toNanos() * factor));
            return next.compareTo(max) > 0 ? max : next;
        }
    }

    private final Clock clock;
    private final Sleeper sleeper;

    public Wait(Clock clock, Sleeper sleeper) {
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public Clock clock() {
        return clock;
    }

    /** Sleeps {@code d}; an interrupt ends the wait with exit 130. */
    public void pause(Duration d, String what) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(what);
        }
    }

    /**
     * Reads until {@code done} holds or the next pause would pass {@code deadline}, and returns the
     * last value read: the caller tells a reached goal from a timeout with {@code done} again.
     * {@code waiting} hears how long it has waited before each pause (for progress).
     */
    public <T> T until(Supplier<T> read, Predicate<T> done, Backoff backoff, Instant deadline, String what,
                       Consumer<Duration> waiting) {
        Instant start = clock.instant();
        Duration pause = backoff.first();
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw interrupted(what);
            }
            T value = read.get();
            Instant now = clock.instant();
            if (done.test(value) || now.plus(pause).isAfter(deadline)) {
                return value;
            }
            waiting.accept(Duration.between(start, now));
            pause(pause, what);
            pause = backoff.after(pause);
        }
    }

    public static RunbookException interrupted(String what) {
        return new RunbookException(ExitCode.INTERRUPTED, "interrupted while " + what);
    }
}

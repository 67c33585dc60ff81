package dev.virtuoso.rollback.port;

import java.time.Duration;

/** Injected waiting, so polls and timeouts are tested without sleeping. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(d.toMillis());
}

package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.cli.render.StatusLine;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.Sleeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

/**
 * What one run of the tool gets from its surroundings. Tests build their own, so nothing
 * reads System.getenv, System.in or the wall clock behind their back.
 *
 * <p>{@code secrets} are the secrets the run has read; whatever goes to {@code out} and
 * {@code err} passes through them, line by line, so no output can show one.
 */
public record Context(Map<String, String> env, BufferedReader in, PrintWriter out, PrintWriter err,
                      boolean interactive, Clock clock, Sleeper sleeper, Secret.Registry secrets) {

    public Context {
        StatusLine status = RedactingWriter.statusLine(err);
        out = RedactingWriter.over(out, secrets, status);
        err = RedactingWriter.over(err, secrets, status);
    }

    /** A run that has read no secret yet. */
    public Context(Map<String, String> env, BufferedReader in, PrintWriter out, PrintWriter err,
                   boolean interactive, Clock clock, Sleeper sleeper) {
        this(env, in, out, err, interactive, clock, sleeper, new Secret.Registry());
    }

    public static Context system() {
        return new Context(System.getenv(),
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8),
                System.console() != null, new SystemClock(), Sleeper.REAL);
    }

    /** The same surroundings with some environment variables replaced (the in-process sandbox). */
    public Context withEnv(Map<String, String> overrides) {
        Map<String, String> merged = new java.util.HashMap<>(env);
        merged.putAll(overrides);
        return new Context(Map.copyOf(merged), in, out, err, interactive, clock, sleeper, secrets);
    }

    /**
     * The system clock, whose zone is looked up on first use: finding the default zone reads the
     * time-zone database, ~20 ms at start-up, and only local times shown to the user (history) need it.
     */
    static final class SystemClock extends Clock {
        private volatile ZoneId zone;

        @Override
        public ZoneId getZone() {
            ZoneId z = zone;
            if (z == null) {
                z = ZoneId.systemDefault();
                zone = z;
            }
            return z;
        }

        @Override
        public Clock withZone(ZoneId other) {
            return Clock.system(other);
        }

        @Override
        public long millis() {
            return System.currentTimeMillis();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }
    }
}

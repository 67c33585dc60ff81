package dev.virtuoso.rollback.adapter.gcp;

import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ServiceLocks;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@link ServiceLocks} as objects beside the shared journal: {@code PREFIX/locks/<project>/<region>/<service>},
 * created only if absent ({@code ifGenerationMatch=0}), its JSON naming the holder (user@host), the
 * command, the reason, since when and until when. The holder renews it (a replace conditioned on the
 * generation it wrote) a third of the lease in, and deletes it at the end (conditioned the same way,
 * so a lock someone else took over is never deleted). A lock past its {@code expires} is taken over
 * with a replace conditioned on the stale generation: of two commands taking it over at once, one
 * wins and the other finds it held.
 *
 * <p>What it does not do: the clocks of the machines are trusted to agree (a holder whose clock runs
 * minutes behind may see its lock taken while it still works); a command killed with -9 leaves its
 * lock until it expires; a command using the local journal takes no lock at all.
 */
public final class GcsServiceLocks implements ServiceLocks {
    private static final Duration POLL = Duration.ofSeconds(5);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** A lock's content. */
    record Content(String holder, String command, String reason, Instant since, Instant expires) {
        byte[] bytes() {
            try {
                return Json.mapper().writeValueAsBytes(this);
            } catch (IOException e) {
                throw new RunbookException(ExitCode.INTERNAL, "cannot write a lock as JSON: " + e.getMessage(), e);
            }
        }

        static Content of(byte[] bytes) {
            try {
                Content c = Json.mapper().readValue(bytes, Content.class);
                return c.expires() == null ? null : c;
            } catch (IOException e) {
                return null;
            }
        }
    }

    private final StorageObjects objects;
    private final String prefix;
    private final String holder;
    private final Wait wait;
    private final Duration waitFor;
    private final Duration tick;
    private final Consumer<String> warn;
    private final Set<Held> held = ConcurrentHashMap.newKeySet();

    /**
     * Locks under {@code gs://bucket/prefix/locks/} held as {@code holder}; a held lock is waited for
     * up to {@code waitFor} ({@code --wait-lock}) through {@code wait}. Every {@code tick} of real time
     * a background thread renews the lease when the clock says it is due.
     */
    public GcsServiceLocks(GcpClients clients, String bucket, String prefix, String holder, Wait wait, Duration waitFor,
                           Duration tick, Consumer<String> warn) {
        this.objects = new StorageObjects(clients, bucket);
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
        this.holder = holder;
        this.wait = wait;
        this.waitFor = waitFor;
        this.tick = tick;
        this.warn = warn;
    }

    @Override
    public Lease acquire(ServiceRef service, String command, String reason, Progress progress) {
        String name = prefix + "locks/" + service.project() + "/" + service.region() + "/" + service.name();
        String what = service.name() + " in " + service.region();
        Instant start = wait.clock().instant();
        String waitedFor = null;
        while (true) {
            Instant now = wait.clock().instant();
            Content mine = new Content(holder, command, reason, now, now.plus(LEASE));
            Optional<Long> created = objects.create(name, mine.bytes(), 0);
            if (created.isPresent()) {
                return hold(name, what, mine, created.get(), null, waitedFor);
            }
            Optional<StorageObjects.Read> found = objects.read(name);
            if (found.isEmpty()) {
                continue; // released between the two calls
            }
            if (Arrays.equals(found.get().bytes(), mine.bytes())) {
                return hold(name, what, mine, found.get().generation(), null, waitedFor); // ours: a retried create
            }
            Content theirs = Content.of(found.get().bytes());
            if (theirs == null) {
                throw new RunbookException(ExitCode.CONFLICT, what + " is locked by " + objects.uri(name)
                        + ", which is not a lock this tool wrote (no holder and expiry); nothing was changed");
            }
            if (!now.isBefore(theirs.expires())) {
                Optional<Long> taken = objects.create(name, mine.bytes(), found.get().generation());
                if (taken.isPresent()) {
                    return hold(name, what, mine, taken.get(), "took over the lock of " + what + " " + describe(theirs,
                            now) + ", expired at " + time(theirs.expires(), now), waitedFor);
                }
                continue; // someone else took it over or renewed it first: read it again
            }
            Duration waited = Duration.between(start, now);
            Duration left = waitFor.minus(waited);
            if (left.isNegative() || left.isZero()) {
                throw new RunbookException(ExitCode.CONFLICT, what + " is locked " + describe(theirs, now)
                        + (waitFor.isZero() ? "" : " (waited " + seconds(waited) + ")") + "; the lock expires at "
                        + time(theirs.expires(), now) + " unless its holder renews it: wait for it with --wait-lock "
                        + Durations.format(LEASE) + ", or ask " + theirs.holder() + "; nothing was changed");
            }
            waitedFor = describe(theirs, now);
            progress.update("waiting for the lock of " + what + ", held " + describe(theirs, now) + " (waited "
                    + seconds(waited) + " of " + Durations.format(waitFor) + ")");
            wait.pause(left.compareTo(POLL) < 0 ? left : POLL, "waiting for the lock of " + what);
        }
    }

    /** A wait in whole seconds, as people read it: 0s, 5s, 1m5s. */
    private static String seconds(Duration d) {
        return d.toSeconds() == 0 ? "0s" : Durations.format(d.truncatedTo(ChronoUnit.SECONDS));
    }

    /** "by alice@host since 03:12 UTC (quick --previous: deploy broke checkout)". */
    private static String describe(Content c, Instant now) {
        return "by " + c.holder() + " since " + time(c.since(), now) + " (" + c.command()
                + (c.reason() == null || c.reason().isBlank() ? "" : ": " + c.reason()) + ")";
    }

    private static String time(Instant t, Instant now) {
        if (t == null) {
            return "an unknown time";
        }
        boolean sameDay = t.atZone(ZoneOffset.UTC).toLocalDate().equals(now.atZone(ZoneOffset.UTC).toLocalDate());
        return (sameDay ? HOUR : DAY_HOUR).format(t);
    }

    private Held hold(String name, String what, Content content, long generation, String tookOver,
                      String waitedFor) {
        Held h = new Held(name, what, content, generation, tookOver, waitedFor);
        held.add(h);
        h.renewer = new Thread(h::renewInBackground, "lock-renewal");
        h.renewer.setDaemon(true);
        h.renewer.start();
        return h;
    }

    /**
     * Releases every lock this run still holds, waiting at most {@code within}: the process is stopping
     * at once (a second Ctrl-C) and must not wait on Cloud Storage; a lock not given back by then
     * just expires. True when all were given back in time.
     */
    public boolean releaseAll(Duration within) {
        Thread releasing = new Thread(() -> {
            for (Held h : held) {
                h.release();
            }
        }, "lock-release");
        releasing.setDaemon(true);
        releasing.start();
        try {
            releasing.join(within.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !releasing.isAlive();
    }

    /** A lock this run holds. */
    final class Held implements Lease {
        private final String name;
        private final String what;
        private final String tookOver;
        private final String waitedFor;
        private Content content;
        private long generation;
        private Instant renewed;
        private String lost;
        private boolean released;
        private Thread renewer;

        private Held(String name, String what, Content content, long generation, String tookOver,
                     String waitedFor) {
            this.name = name;
            this.waitedFor = waitedFor;
            this.what = what;
            this.content = content;
            this.generation = generation;
            this.tookOver = tookOver;
            this.renewed = content.since();
        }

        @Override
        public Optional<String> tookOver() {
            return Optional.ofNullable(tookOver);
        }

        @Override
        public Optional<String> waitedFor() {
            return Optional.ofNullable(waitedFor);
        }

        @Override
        public synchronized Optional<String> lost() {
            return Optional.ofNullable(lost);
        }

        private void renewInBackground() {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(tick.toMillis());
                    renewIfDue();
                }
            } catch (InterruptedException e) {
                // released
            }
        }

        /** Renews the lease once a third of it has passed (the background renewal's tick). */
        synchronized void renewIfDue() {
            if (!wait.clock().instant().isBefore(renewed.plus(LEASE.dividedBy(3)))) {
                renew();
            }
        }

        @Override
        public synchronized Optional<String> confirmHeld() {
            renew();
            return lost();
        }

        /**
         * Replaces the lock's content with a later {@code expires}, only if it is still the generation
         * this run wrote. A renewal that fails is a warning and is tried again on the next tick; once
         * the lease has expired, or someone else's lock is found in its place, the lock is lost.
         */
        private synchronized void renew() {
            Instant now = wait.clock().instant();
            if (released || lost != null) {
                return;
            }
            Content next = new Content(content.holder(), content.command(), content.reason(), content.since(),
                    now.plus(LEASE));
            try {
                Optional<Long> g = objects.create(name, next.bytes(), generation);
                if (g.isEmpty()) {
                    // The client retries a conditional write whose answer was lost; when the first attempt
                    // was applied, the retry is answered 412 although the lock is ours: the bytes tell.
                    g = objects.read(name).filter(r -> Arrays.equals(r.bytes(), next.bytes()))
                            .map(StorageObjects.Read::generation);
                }
                if (g.isPresent()) {
                    content = next;
                    generation = g.get();
                    renewed = now;
                } else if (!now.isBefore(content.expires())) {
                    lost = "the lock of " + what + " expired at " + time(content.expires(), now) + " and was taken by "
                            + "someone else";
                    warn.accept(lost);
                } else {
                    lost = "the lock of " + what + " was taken by someone else while this command held it";
                    warn.accept(lost);
                }
            } catch (RunbookException e) {
                if (!now.isBefore(content.expires())) {
                    lost = "the lock of " + what + " expired at " + time(content.expires(), now) + ": it could not be "
                            + "renewed (" + e.getMessage() + ")";
                    warn.accept(lost);
                } else {
                    warn.accept("could not renew the lock of " + what + " (" + e.getMessage() + "); it holds until "
                            + time(content.expires(), now) + " and renewal is tried again");
                }
            }
        }

        @Override
        public void release() {
            Thread r;
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
                r = renewer;
            }
            if (r != null) {
                r.interrupt();
            }
            held.remove(this);
            boolean interrupted = Thread.interrupted(); // a Ctrl-C being handled must still give the lock back
            try {
                synchronized (this) {
                    if (lost == null && !objects.delete(name, generation)) {
                        warn.accept("the lock of " + what + " was no longer this command's when it ended; left it");
                    }
                }
            } catch (RunbookException e) {
                warn.accept("could not release the lock of " + what + " (" + e.getMessage() + "); it expires at "
                        + time(content.expires(), wait.clock().instant()));
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}

package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.model.ExitCode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Entry point: the real console, environment and clock.
 *
 * <p>Ctrl-C before anything is being changed (at a prompt, while reading or watching) exits at
 * once. While a change is under way it interrupts the command, which then stops the way every
 * wait stops (exit 130) after reading and journaling what is true; a drill puts the original
 * traffic back. A second Ctrl-C, or a command that has not stopped within {@link #GRACE}, ends
 * the process at once, marking its unfinished journal steps as interrupted.
 */
public final class Main {
    /** Longer than a drill's bounded restore, so a graceful stop is never cut short by the watchdog. */
    static final Duration GRACE = Duration.ofSeconds(45);

    private Main() {
    }

    public static void main(String[] args) {
        quietNettyOnNewerJdks();
        Context ctx = Context.system();
        int code;
        try (Wiring wiring = new Wiring(ctx)) {
            onInterrupt(wiring, Thread.currentThread());
            code = Cli.run(ctx, wiring, args);
        }
        System.exit(code);
    }

    /**
     * From Java 24 on, the JVM warns on stderr when a library loads a native library (JEP 472):
     * gRPC's shaded Netty loads its epoll transport as it starts, for speed a command's few calls do
     * not need (its NIO transport is as fast here, docs/performance.md). Netty's own switch turns it
     * off; an explicit setting (ROLLBACK_JAVA_OPTS=-D...) wins. The launcher allows sun.misc.Unsafe's
     * memory methods, which Netty and protobuf call (JEP 471/498 warnings).
     */
    static void quietNettyOnNewerJdks() {
        String noNative = "io.grpc.netty.shaded.io.netty.transport.noNative";
        if (Runtime.version().feature() >= 24 && System.getProperty(noNative) == null) {
            System.setProperty(noNative, "true");
        }
    }

    @SuppressWarnings("restriction")
    private static void onInterrupt(Wiring wiring, Thread command) {
        AtomicInteger signals = new AtomicInteger();
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                if (signals.incrementAndGet() == 1 && wiring.changing()) {
                    System.err.println();
                    System.err.println("interrupted: stopping safely (Ctrl-C again to stop at once)");
                    command.interrupt();
                    Thread watchdog = new Thread(() -> {
                        try {
                            Thread.sleep(GRACE.toMillis());
                        } catch (InterruptedException e) {
                            return;
                        }
                        stopNow(wiring, "did not stop within " + GRACE.toSeconds() + "s");
                    }, "interrupt-watchdog");
                    watchdog.setDaemon(true);
                    watchdog.start();
                } else {
                    stopNow(wiring, "stopped at once");
                }
            });
        } catch (IllegalArgumentException e) {
            // No SIGINT on this platform: the default handling (exit 130) stays.
        }
    }

    private static void stopNow(Wiring wiring, String why) {
        System.err.println("interrupted: " + why + "; " + wiring.interrupted());
        Runtime.getRuntime().halt(ExitCode.INTERRUPTED.code());
    }
}

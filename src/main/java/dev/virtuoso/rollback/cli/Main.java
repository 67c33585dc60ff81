package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.ExitCode;

/** Entry point: the real console, environment and clock; Ctrl-C marks the journal and exits 130. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Context ctx = Context.system();
        int code;
        try (Wiring wiring = new Wiring(ctx)) {
            onInterrupt(wiring);
            code = Cli.run(ctx, wiring, args);
        }
        System.exit(code);
    }

    @SuppressWarnings("restriction")
    private static void onInterrupt(Wiring wiring) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                wiring.interrupted();
                System.err.println();
                System.err.println("interrupted; `rollback history` shows where it stopped");
                Runtime.getRuntime().halt(ExitCode.INTERRUPTED.code());
            });
        } catch (IllegalArgumentException e) {
            // No SIGINT on this platform: the default handling (exit 130) stays.
        }
    }
}

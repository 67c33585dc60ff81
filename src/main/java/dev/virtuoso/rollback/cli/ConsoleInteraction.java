package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.Interaction;
import dev.virtuoso.rollback.runbook.Change;
import dev.virtuoso.rollback.runbook.Progress;
import dev.virtuoso.rollback.runbook.RunbookException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Plans, prompts and progress on the console. With -o json all of it goes to stderr so stdout
 * holds only the JSON document.
 */
final class ConsoleInteraction implements Interaction {
    private static final String SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    /** Piped output gets a progress line at most this often (every one with -v), so CI logs stay readable. */
    private static final Duration PLAIN_EVERY = Duration.ofSeconds(2);

    private final Context ctx;
    private final GlobalOptions opts;
    private final Style style;
    private final PrintWriter out;
    private final boolean confirmed;

    ConsoleInteraction(Context ctx, GlobalOptions opts, Style style) {
        this(ctx, opts, style, opts.yes);
    }

    private ConsoleInteraction(Context ctx, GlobalOptions opts, Style style, boolean confirmed) {
        this.ctx = ctx;
        this.opts = opts;
        this.style = style;
        this.out = opts.json() ? ctx.err() : ctx.out();
        this.confirmed = confirmed;
    }

    /** The same console for steps of a whole that was confirmed once (the drill). */
    ConsoleInteraction confirmed() {
        return new ConsoleInteraction(ctx, opts, style, true);
    }

    @Override
    public void showPlan(Change change, List<String> notes) {
        out.println(style.bold("Plan") + " for " + change.where() + ": " + change.summary());
        Render.blocks(change.preview(), "  ").forEach(out::println);
        notes.forEach(n -> out.println("  " + style.warn("note:") + " " + n));
        out.flush();
    }

    @Override
    public void confirm(Change change, List<String> notes) {
        requireWayToConfirm();
        Interaction.super.confirm(change, notes);
    }

    @Override
    public void confirm(List<String> plan, String question) {
        requireWayToConfirm();
        Interaction.super.confirm(plan, question);
    }

    @Override
    public void confirm(String question) {
        String answer = ask(question + " [y/N] ");
        if (answer != null && !answer.trim().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
            throw RunbookException.invalid("not confirmed; nothing was changed");
        }
    }

    @Override
    public boolean confirmedAlready() {
        return confirmed;
    }

    @Override
    public void confirmTyped(String question, String word) {
        String answer = ask(question + " ");
        if (answer != null && !answer.trim().equals(word)) {
            throw RunbookException.invalid("not confirmed (the answer was not " + word + "); nothing was changed");
        }
    }

    /** The answer typed; null when confirmed already (--yes). No answer (end of input) refuses. */
    private String ask(String prompt) {
        if (confirmed) {
            return null;
        }
        requireWayToConfirm();
        out.print(prompt);
        out.flush();
        String answer;
        try {
            answer = ctx.in().readLine();
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null) {
            throw RunbookException.invalid("not confirmed; nothing was changed");
        }
        return answer;
    }

    private void requireWayToConfirm() {
        if (!confirmed && !ctx.interactive()) {
            throw RunbookException.invalid("stdin is not a terminal, so nothing can be confirmed: pass --yes to apply "
                    + "(or --dry-run to see the plan); nothing was changed");
        }
    }

    @Override
    public Progress progress() {
        return new ConsoleProgress(ctx.clock(), ctx.interactive() ? ctx.err() : out, ctx.interactive(),
                opts.verbose ? Duration.ZERO : PLAIN_EVERY);
    }

    @Override
    public void info(String message) {
        out.println(message);
        out.flush();
    }

    /** A spinner that rewrites one line on a terminal; occasional plain lines otherwise. */
    private static final class ConsoleProgress implements Progress {
        private final Clock clock;
        private final PrintWriter w;
        private final boolean animated;
        private final Duration plainEvery;
        private int frame;
        private Instant lastPlain = Instant.MIN;

        ConsoleProgress(Clock clock, PrintWriter w, boolean animated, Duration plainEvery) {
            this.clock = clock;
            this.w = w;
            this.animated = animated;
            this.plainEvery = plainEvery;
        }

        @Override
        public void update(String message) {
            if (animated) {
                w.print("\r\u001b[2K" + SPINNER.charAt(frame++ % SPINNER.length()) + " " + message);
                w.flush();
            } else if (Duration.between(lastPlain, clock.instant()).compareTo(plainEvery) >= 0) {
                lastPlain = clock.instant();
                w.println("... " + message);
                w.flush();
            }
        }

        @Override
        public void done(String message) {
            if (animated) {
                w.print("\r\u001b[2K");
            }
            w.println("✓ " + message);
            w.flush();
        }
    }
}

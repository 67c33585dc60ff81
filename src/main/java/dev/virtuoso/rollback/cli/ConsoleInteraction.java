package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.cli.render.PlanView;
import dev.virtuoso.rollback.cli.render.Render;
import dev.virtuoso.rollback.cli.render.Style;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.Interaction;
import dev.virtuoso.rollback.port.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.IntSupplier;
import picocli.CommandLine;

/**
 * Plans, prompts and progress on the console. With -o json all of it goes to stderr so stdout
 * holds only the JSON document.
 */
public final class ConsoleInteraction implements Interaction {
    private static final String SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    /** Piped output gets a progress line at most this often (every one with -v), so CI logs stay readable. */
    private static final Duration PLAIN_EVERY = Duration.ofSeconds(2);

    private final Context ctx;
    private final GlobalOptions opts;
    private final Style style;
    private final PrintWriter out;
    private final boolean confirmed;
    /** One region of a fleet: its plan is confirmed with the others', its progress is a line of theirs. */
    private final Fleet.Member member;
    /** Whether the runbook wants the person asked why (read only when a question is about to be asked). */
    private final java.util.function.BooleanSupplier askReason;

    static final String REASON_QUESTION = "Why? (one line, journaled; Enter to skip): ";

    ConsoleInteraction(Context ctx, GlobalOptions opts, Style style, Fleet.Member member,
                       java.util.function.BooleanSupplier askReason) {
        this(ctx, opts, style, opts.yes, member, askReason);
    }

    private ConsoleInteraction(Context ctx, GlobalOptions opts, Style style, boolean confirmed, Fleet.Member member,
                               java.util.function.BooleanSupplier askReason) {
        this.ctx = ctx;
        this.opts = opts;
        this.style = style;
        this.out = opts.json() ? ctx.err() : ctx.out();
        this.confirmed = confirmed;
        this.member = member;
        this.askReason = askReason;
    }

    /** The same console for steps of a whole that was confirmed once (the drill). */
    public ConsoleInteraction confirmed() {
        return new ConsoleInteraction(ctx, opts, style, true, member, askReason);
    }

    @Override
    public void showPlan(Change<?> change, List<String> notes) {
        PlanView.lines(change, notes, style).forEach(out::println);
        out.flush();
    }

    @Override
    public void confirm(Change<?> change, List<String> notes) {
        requireWayToConfirm();
        if (member != null && change.about().confirmWord() == null) {
            member.confirm(PlanView.lines(change, notes, style));
            return;
        }
        Interaction.super.confirm(change, notes);
    }

    @Override
    public String confirmAskingWhy(Change<?> change, List<String> notes) {
        // Asked on a terminal only, once the plan is on the screen; never with --yes, in a dry run, for
        // the regions of a fleet (one question for all), or when the runbook says askReason: false.
        if (confirmed || member != null || opts.dryRun || !ctx.interactive() || !askReason.getAsBoolean()) {
            confirm(change, notes);
            return null;
        }
        showPlan(change, notes);
        String typed = answer(REASON_QUESTION);
        confirmShown(change);
        // One line as typed; a stray control character would garble the journal's one-line views.
        String why = typed == null ? "" : typed.replaceAll("\\p{Cntrl}", " ").strip();
        return why.isEmpty() ? null : why;
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
        String answer = member != null ? member.ask(prompt) : answer(prompt);
        if (answer == null) {
            throw RunbookException.invalid("not confirmed; nothing was changed");
        }
        return answer;
    }

    /** {@code prompt}, then the line typed; null at the end of input. */
    String answer(String prompt) {
        out.print(prompt);
        out.flush();
        try {
            return ctx.in().readLine();
        } catch (IOException e) {
            return null;
        }
    }

    /** Exit 2 when a change could be neither confirmed (no terminal) nor confirmed already (--yes, --dry-run). */
    void requireWayToConfirm() {
        if (!confirmed && !ctx.interactive()) {
            throw RunbookException.invalid("stdin is not a terminal, so nothing can be confirmed: pass --yes to apply "
                    + "(or --dry-run to see the plan); nothing was changed");
        }
    }

    @Override
    public Progress progress() {
        if (member != null) {
            return member.progress();
        }
        return ctx.interactive() ? new Spinner(ctx.err(), style.color(), ctx.secrets(), this::columns)
                : new PlainProgress(ctx.clock(), out, opts.verbose ? Duration.ZERO : PLAIN_EVERY);
    }

    /**
     * The terminal's width: $COLUMNS when the shell exports it, else what picocli reads from the
     * terminal (stty; at least 55), else 80.
     */
    int columns() {
        try {
            int columns = Integer.parseInt(ctx.env().getOrDefault("COLUMNS", "").strip());
            if (columns > 0) {
                return columns;
            }
        } catch (NumberFormatException e) {
            // Not set, or not a number: ask the terminal.
        }
        return new CommandLine.Model.UsageMessageSpec().autoWidth(true).width();
    }

    @Override
    public void info(String message) {
        out.println(message);
        out.flush();
    }

    /**
     * A spinner that rewrites one line on a terminal, cut to its width: a longer line wraps, and the
     * carriage return that starts the next frame goes back only to the start of its last part, so
     * stale lines would pile up. The line is cleared (ESC[K, or spaces when ANSI is off) before the
     * next frame and before anything else is printed, on stdout or stderr.
     */
    private static final class Spinner implements Progress {
        private static final String CLEAR_LINE = "\r\u001b[K";
        private final PrintWriter w;
        private final boolean ansi;
        private final Secret.Registry secrets;
        private final IntSupplier columns;
        private int width;
        private int frame;

        Spinner(PrintWriter w, boolean ansi, Secret.Registry secrets, IntSupplier columns) {
            this.w = w;
            this.ansi = ansi;
            this.secrets = secrets;
            this.columns = columns;
        }

        @Override
        public void update(String message) {
            if (width == 0) {
                width = Math.max(columns.getAsInt(), 2); // asked once, at the first frame: picocli may run stty
            }
            // Secrets out before the cut, so that no piece of one is left; one column spare, as a line
            // that fills the last one may wrap at once on some terminals.
            String text = Render.cut(secrets.redact(SPINNER.charAt(frame++ % SPINNER.length()) + " " + message),
                    width - 1);
            RedactingWriter.status(w, text, ansi ? CLEAR_LINE : "\r" + " ".repeat(Render.visible(text)) + "\r");
        }

        @Override
        public void done(String message) {
            w.println("✓ " + message); // clears the spinner's line first
            w.flush();
        }
    }

    /** Piped output: a plain line now and then, every one with -v. */
    private static final class PlainProgress implements Progress {
        private final Clock clock;
        private final PrintWriter w;
        private final Duration every;
        private Instant last = Instant.MIN;

        PlainProgress(Clock clock, PrintWriter w, Duration every) {
            this.clock = clock;
            this.w = w;
            this.every = every;
        }

        @Override
        public void update(String message) {
            if (Duration.between(last, clock.instant()).compareTo(every) >= 0) {
                last = clock.instant();
                w.println("... " + message);
                w.flush();
            }
        }

        @Override
        public void done(String message) {
            w.println("✓ " + message);
            w.flush();
        }
    }
}

package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.cli.render.FleetView;
import dev.virtuoso.rollback.cli.render.Render;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import picocli.CommandLine.ParseResult;

/**
 * One command on several regions at once (a fleet). Each region is a normal one-region run of the
 * same command line, in its own thread, with its own session (the region given) and its own
 * captured output; they share the adapters, one question and one progress board. The plans of every
 * region are shown together and confirmed once; a region that ends before it has a plan (its own
 * refusal, nothing to do) is named as not changed, and the others are asked about all the same. A
 * region that fails never stops the others. The exit code is the largest of the regions'.
 */
final class Fleet {
    /** The commands that run on several regions; any other exits 2 when given more than one. */
    static final List<String> COMMANDS = List.of("status", "quick", "image", "verify", "assess");

    /** The commands of a fleet that change something, and so need a way to confirm. */
    private static final Set<String> CHANGING = Set.of("quick", "image");

    private Fleet() {
    }

    /** What a command acting on one region says when it is given several. */
    static String takesOne(List<String> regions) {
        return "several regions given (" + String.join(", ", regions) + "): this command acts on one region; only "
                + String.join(", ", COMMANDS) + " run on several; give one with --region R";
    }

    /**
     * The regions {@code command} is to run on when they are several; empty otherwise. A command that
     * takes one region is refused here when the command line or the environment gives several; the
     * runbook's regions are checked where a command resolves its service (Session.target), since
     * history, undo and the sandbox never read a runbook.
     */
    static List<String> regions(Session s, ParseResult command) {
        String name = command.commandSpec().name();
        if (!COMMANDS.contains(name)) {
            String given = s.opts.region != null ? s.opts.region : s.ctx.env().get("CLOUDSDK_RUN_REGION");
            if (given != null && given.contains(",")) {
                throw RunbookException.invalid(takesOne(List.of(given.split(",", -1))).replace("this command",
                        "`rollback " + name + "`"));
            }
            return List.of();
        }
        List<String> regions = s.regions();
        if (regions.size() < 2) {
            return List.of();
        }
        if (s.opts.url != null) {
            throw RunbookException.invalid("--url is one region's URL; with several regions (" + String.join(", ", regions)
                    + ") each is checked at its own service URL: drop --url, or give one --region");
        }
        if (CHANGING.contains(name)) {
            s.ui().requireWayToConfirm(); // said once for the fleet, not once per region
        }
        if (command.hasMatchedOption("--junit")) {
            throw RunbookException.invalid("--junit writes the report of one region; give one --region with it");
        }
        return regions;
    }

    /** Runs {@code args} on each of {@code regions} at once; the largest exit code of theirs. */
    static int run(Session root, Wiring wiring, List<String> regions, List<String> args) {
        Context ctx = root.ctx;
        ConsoleInteraction console = root.ui();
        if (root.runbook().service().url() != null) {
            console.info("note: the runbook's service.url is one region's URL and is not used: each region is "
                    + "checked at its own service URL");
        }
        Board board = new Board(regions, ctx.interactive() || root.opts.json() ? ctx.err() : ctx.out(),
                ctx.interactive(), console.columns());
        Gate gate = new Gate(regions, console, board);
        FleetView.Region[] results = new FleetView.Region[regions.size()];
        List<Thread> threads = new ArrayList<>();
        String[] line = args.toArray(String[]::new);
        for (int i = 0; i < regions.size(); i++) {
            int at = i;
            Member member = new Member(regions.get(i), gate, board);
            threads.add(new Thread(() -> results[at] = one(ctx, wiring, member, line), "region " + regions.get(i)));
        }
        threads.forEach(Thread::start);
        awaitAll(threads);
        if (root.opts.json()) {
            // Stdout holds the one document: what the regions said on stderr goes there, each line named.
            for (FleetView.Region r : results) {
                r.err().lines().filter(l -> !l.isBlank()).forEach(l -> ctx.err().println(r.region() + ": " + l));
            }
            ctx.err().flush();
        }
        return FleetView.print(root.output(), List.of(results));
    }

    /**
     * Waits for every region. Ctrl-C interrupts the thread waiting here: every region is then
     * interrupted, stops as a single run stops (reading and journaling what is true), and is waited for.
     */
    private static void awaitAll(List<Thread> threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                    threads.forEach(Thread::interrupt);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One region: the command line as a one-region run, its output captured. */
    private static FleetView.Region one(Context ctx, Wiring wiring, Member member, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Context own = new Context(ctx.env(), ctx.in(), new PrintWriter(out), new PrintWriter(err), ctx.interactive(),
                ctx.clock(), ctx.sleeper(), ctx.secrets());
        Instant start = ctx.clock().instant();
        member.board.state(member.region, "started", true);
        FleetView.Region result = null;
        try {
            int code;
            try {
                code = Cli.run(own, wiring, member, args);
            } catch (RuntimeException | Error e) {
                // Picocli's handlers catch what a command throws; anything past them is a bug of this run alone.
                own.err().println("error: " + e);
                code = ExitCode.INTERNAL.code();
            }
            own.out().flush();
            own.err().flush();
            result = new FleetView.Region(member.region, code, out.toString(), err.toString(),
                    Duration.between(start, ctx.clock().instant()));
        } finally {
            // A region that never reached the question must not keep the others waiting for it.
            member.gate.leave(member.region, result == null ? "it stopped on an internal error" : result.code() == 0
                    ? result.summary() : "exit " + result.code() + ": " + result.summary());
            member.board.state(member.region, result == null ? "✗ stopped" : result.code() == 0 ? "✓ done"
                    : "✗ exit " + result.code() + ": " + result.summary(), true);
        }
        return result;
    }

    /** What one region's run shares with the others: the one question and the progress board. */
    static final class Member {
        final String region;
        private final Gate gate;
        private final Board board;

        private Member(String region, Gate gate, Board board) {
            this.region = region;
            this.gate = gate;
            this.board = board;
        }

        /** The region's plan, confirmed with every other region's at once; throws when refused. */
        void confirm(List<String> plan) {
            gate.confirm(region, plan);
        }

        /** A further question of this region alone, asked on the console, one region at a time. */
        String ask(String prompt) {
            return gate.ask(region, prompt);
        }

        Progress progress() {
            return board.progress(region);
        }
    }

    /**
     * The one question: each region arrives with its plan or leaves (it ended without one); once
     * every region has done either, the plans are shown together and asked about once, by the
     * thread that came last, and every waiting region goes on or is refused with the same answer.
     */
    private static final class Gate {
        private final List<String> regions;
        private final ConsoleInteraction console;
        private final Board board;
        private final Map<String, List<String>> plans = new HashMap<>();
        private final Map<String, String> notChanged = new HashMap<>();
        private final Object asking = new Object();
        private boolean decided;
        private RunbookException refusal;

        Gate(List<String> regions, ConsoleInteraction console, Board board) {
            this.regions = regions;
            this.console = console;
            this.board = board;
        }

        synchronized void confirm(String region, List<String> plan) {
            plans.put(region, plan);
            board.state(region, "waiting for confirmation", true);
            complete();
            while (!decided) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    plans.remove(region);
                    notChanged.put(region, "interrupted");
                    throw new RunbookException(ExitCode.INTERRUPTED, "interrupted before the change was confirmed; "
                            + "nothing was changed");
                }
            }
            if (refusal != null) {
                throw new RunbookException(refusal.exitCode(), refusal.getMessage());
            }
            board.state(region, "confirmed", true);
        }

        synchronized void leave(String region, String why) {
            if (!decided && !plans.containsKey(region)) {
                notChanged.put(region, why);
                complete();
            }
        }

        /** Once every region has a plan or has ended: asks about the plans, if any, and wakes the waiting. */
        private void complete() {
            if (decided || plans.size() + notChanged.size() < regions.size()) {
                return;
            }
            try {
                if (!plans.isEmpty()) {
                    ask();
                }
            } catch (RuntimeException e) {
                refusal = RunbookException.of(e);
            } finally {
                decided = true;
                notifyAll();
            }
        }

        private void ask() {
            List<String> lines = new ArrayList<>();
            List<String> changing = new ArrayList<>();
            for (String region : regions) {
                if (plans.containsKey(region)) {
                    changing.add(region);
                    lines.addAll(plans.get(region));
                }
            }
            for (String region : regions) {
                if (notChanged.containsKey(region)) {
                    lines.add("not changed: " + region + ": " + notChanged.get(region));
                }
            }
            board.interrupt();
            console.confirm(lines, changing.size() == 1 ? "Apply this change to " + changing.get(0) + "?"
                    : "Apply these " + changing.size() + " changes (" + String.join(", ", changing) + ")?");
        }

        String ask(String region, String prompt) {
            synchronized (asking) {
                board.interrupt();
                return console.answer(region + ": " + prompt);
            }
        }
    }

    /**
     * Each region's state on a line of its own. On a terminal the block of lines is drawn again in
     * place; otherwise a line is printed, named by its region, each time a region's state changes
     * (a wait's repeated updates are one state).
     */
    private static final class Board {
        private static final String ESC = "\u001b[";
        private final List<String> regions;
        private final PrintWriter w;
        private final boolean terminal;
        private final int columns;
        private final Map<String, String> states = new LinkedHashMap<>();
        private final int width;
        /** Lines of the block now on the screen (0: draw it anew below whatever was printed since). */
        private int drawn;

        Board(List<String> regions, PrintWriter w, boolean terminal, int columns) {
            this.regions = regions;
            this.w = w;
            this.terminal = terminal;
            this.columns = columns;
            this.width = regions.stream().mapToInt(String::length).max().orElse(0);
            regions.forEach(r -> states.put(r, "waiting to start"));
        }

        /** {@code region} is now in {@code state}; {@code fresh}: a new state rather than news of the same one. */
        synchronized void state(String region, String state, boolean fresh) {
            states.put(region, state);
            if (terminal) {
                draw();
            } else if (fresh) {
                w.println(region + ": " + state);
                w.flush();
            }
        }

        /** Something else is printed next: the block stays where it is, and is drawn again below it. */
        synchronized void interrupt() {
            drawn = 0;
        }

        private void draw() {
            StringBuilder b = new StringBuilder();
            if (drawn > 0) {
                b.append(ESC).append(drawn).append('F'); // back to the first line of the block
            }
            for (String region : regions) {
                // Cut to the terminal's width: a line that wrapped would move the block's first line.
                String line = region + " ".repeat(width - region.length()) + "  " + states.get(region);
                b.append(ESC).append("2K").append(Render.cut(line, columns - 1)).append('\n');
            }
            drawn = regions.size();
            w.print(b);
            w.flush();
        }

        Progress progress(String region) {
            return new Progress() {
                private boolean waiting;

                @Override
                public void update(String message) {
                    state(region, message, !waiting);
                    waiting = true;
                }

                @Override
                public void done(String message) {
                    waiting = false;
                    state(region, "✓ " + message, true);
                }
            };
        }
    }
}

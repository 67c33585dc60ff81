package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.Durations;
import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.RunbookException;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The wiring: one place that maps exceptions to exit codes and one-line errors. */
public final class Cli {
    private Cli() {
    }

    /** Runs one command line with its own adapters; what tests call. */
    public static int run(Context ctx, String... args) {
        try (Wiring wiring = new Wiring(ctx)) {
            return run(ctx, wiring, args);
        }
    }

    static int run(Context ctx, Wiring wiring, String... args) {
        return commandLine(ctx, wiring, args).execute(args);
    }

    /**
     * The command tree for {@code args}: the command they select built in full, every other one as
     * an outline (names and description: what the root's help lists and "did you mean" compares).
     * Picocli builds a command's model by reflection over its annotations, about 10 ms a command
     * here, so building all of them cost every run ~0.15 s (docs/performance.md).
     */
    static CommandLine commandLine(Context ctx, Wiring wiring, String... args) {
        CommandLine cl = new CommandLine(new RootCommand(ctx, wiring));
        addCommands(cl, null);
        configure(cl, ctx);
        String selected = selected(cl, args);
        if (selected != null) {
            List.copyOf(cl.getSubcommands().keySet()).forEach(cl.getCommandSpec()::removeSubcommand);
            addCommands(cl, selected);
            configure(cl, ctx);
        }
        return cl;
    }

    /** Every command: {@code full} (all of them for generate-completion) built in full, the others outlined. */
    private static void addCommands(CommandLine root, String full) {
        boolean all = "generate-completion".equals(full);
        for (Class<?> type : RootCommand.SUBCOMMANDS) {
            Command c = type.getAnnotation(Command.class);
            root.addSubcommand(c.name(), all || c.name().equals(full) ? type : outline(c), c.aliases());
        }
    }

    /** What an outline needs to stand in for its command until picocli has said which command runs. */
    private static CommandLine outline(Command c) {
        CommandSpec spec = CommandSpec.create().name(c.name()).aliases(c.aliases());
        spec.usageMessage().description(c.description()).header(c.header()).hidden(c.hidden());
        // Takes any arguments: they are the selected command's to judge, once it is built in full.
        spec.parser().stopAtUnmatched(true);
        spec.addUnmatchedArgsBinding(CommandLine.Model.UnmatchedArgsBinding.forStringArrayConsumer(
                new CommandLine.Model.ISetter() {
                    @Override
                    public <T> T set(T value) {
                        return null;
                    }
                }));
        return new CommandLine(spec);
    }

    /**
     * The command {@code args} select, as picocli parses them against the outlines (so option values
     * and abbreviations are judged by picocli itself), or null when they select none (--help,
     * --version, a bad root option, no command).
     */
    private static String selected(CommandLine root, String[] args) {
        try {
            CommandLine.ParseResult parsed = root.parseArgs(args);
            return parsed.hasSubcommand() ? parsed.subcommand().commandSpec().name() : null;
        } catch (ParameterException e) {
            CommandLine at = e.getCommandLine();
            return at == null || at == root ? null : at.getCommandSpec().name();
        }
    }

    private static void configure(CommandLine cl, Context ctx) {
        Help.apply(cl);
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(Duration.class, text -> {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        });
        cl.setExitCodeExceptionMapper(Cli::exitCode);
        cl.setParameterExceptionHandler((ex, args) -> fail(ex.getCommandLine(), ex, message(ex)));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> fail(cmd, ex, message(ex)));
    }

    private static int fail(CommandLine cmd, Exception ex, String message) {
        RootCommand root = (RootCommand) cmd.getCommandSpec().root().userObject();
        Session session = root.session();
        session.output().error(message);
        session.ctx.err().println("error: " + message);
        if (root.global.errors) {
            ex.printStackTrace(session.ctx.err());
        }
        session.ctx.err().flush();
        return exitCode(ex);
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof RunbookException r) {
            return r.exitCode().code();
        }
        if (ex instanceof ParameterException) {
            return ExitCode.INVALID_INPUT.code();
        }
        return ExitCode.INTERNAL.code();
    }

    private static String message(Exception ex) {
        if (ex instanceof RunbookException) {
            return ex.getMessage();
        }
        if (ex instanceof ParameterException p) {
            // picocli starts some messages with "Error: ", and ours may already point at --help.
            String text = p.getMessage().replaceFirst("^Error: ", "");
            if (p instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                text += "; did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).toList()) + "?";
            }
            String sub = p.getCommandLine().getCommandSpec().qualifiedName(" ");
            return text.contains("--help`") ? text : text + " (see `" + sub + " --help`)";
        }
        return "internal error: " + ex + " (this is a bug; run with -e for the stack trace)";
    }
}

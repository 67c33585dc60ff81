package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

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
        return run(ctx, wiring, null, args);
    }

    /** {@code member}: the command line runs as one region of a fleet (null: on its own). */
    static int run(Context ctx, Wiring wiring, Fleet.Member member, String... args) {
        Class<?> named = args.length == 0 ? null : RootCommand.command(args[0]);
        // generate-completion describes the whole tree.
        boolean all = named == null || named == AutoComplete.GenerateCompletion.class;
        return commandLine(ctx, wiring, member, all ? RootCommand.all() : List.of(named)).execute(args);
    }

    /** The whole command tree, as help and completion show it. */
    static CommandLine commandLine(Context ctx, Wiring wiring) {
        return commandLine(ctx, wiring, null, RootCommand.all());
    }

    private static CommandLine commandLine(Context ctx, Wiring wiring, Fleet.Member member,
                                           Collection<Class<?>> commands) {
        CommandLine cl = new CommandLine(new RootCommand(ctx, wiring, member));
        for (Class<?> command : commands) {
            cl.addSubcommand(command);
        }
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
        cl.setExecutionStrategy(Cli::execute);
        cl.setParameterExceptionHandler((ex, args) -> fail(ex.getCommandLine(), ex, message(ex)));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> fail(cmd, ex, message(ex)));
        return cl;
    }

    /** Runs the command named, on each region at once when it is given several (Fleet). */
    private static int execute(CommandLine.ParseResult parsed) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        RootCommand root = (RootCommand) parsed.commandSpec().userObject();
        if (root.member == null && parsed.hasSubcommand()) {
            try {
                List<String> regions = Fleet.regions(root.session(), parsed.subcommand());
                if (!regions.isEmpty()) {
                    return Fleet.run(root.session(), root.wiring, regions, parsed.originalArgs());
                }
            } catch (RuntimeException e) {
                // As a command's own failure: one line, and its exit code.
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), e.getMessage(), e);
            }
        }
        return new CommandLine.RunLast().execute(parsed);
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
        return RunbookException.of(ex).getMessage();
    }
}

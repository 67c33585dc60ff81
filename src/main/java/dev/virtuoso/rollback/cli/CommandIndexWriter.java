package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.Sleeper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Build step (pom.xml, process-classes): writes the {@link CommandIndex} from picocli's own model
 * of the command tree, and each command's help as the real wiring prints it without a terminal.
 */
public final class CommandIndexWriter {
    private CommandIndexWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        Files.createDirectories(file.getParent());
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            CommandIndex.write(out, commands());
        }
    }

    /** Every command of the tree, the root first, as the wiring builds it. */
    static List<CommandIndex.Command> commands() {
        // What picocli does when no terminal is attached and nothing overrides it: no ANSI, 80 columns.
        System.setProperty("picocli.ansi", "false");
        System.setProperty("picocli.usage.width", "80");
        try (Wiring wiring = new Wiring(context(new StringWriter()))) {
            CommandLine root = Cli.commandLine(context(new StringWriter()), wiring);
            List<CommandIndex.Command> commands = new ArrayList<>();
            collect(root, Collections.newSetFromMap(new IdentityHashMap<>()), commands);
            return commands;
        } finally {
            System.clearProperty("picocli.ansi");
            System.clearProperty("picocli.usage.width");
        }
    }

    private static void collect(CommandLine cl, Set<CommandLine> seen, List<CommandIndex.Command> into) {
        if (!seen.add(cl)) {
            return;
        }
        CommandSpec spec = cl.getCommandSpec();
        CommandIndex.Command c = new CommandIndex.Command(spec.qualifiedName(" "));
        for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
            CommandSpec s = sub.getValue().getCommandSpec();
            c.subcommands.put(sub.getKey(), s.qualifiedName(" "));
            c.subcommandNames.add(new CommandIndex.Name(sub.getKey(), s.usageMessage().hidden()));
        }
        for (OptionSpec o : spec.options()) {
            for (String name : o.names()) {
                c.options.add(new CommandIndex.Name(name, o.hidden()));
                if (o.usageHelp()) {
                    c.helpOptions.add(name);
                }
            }
        }
        c.negated.addAll(spec.negatedOptionsMap().keySet());
        c.positionals = spec.positionalParameters().size();
        c.required = spec.requiredArgs().size();
        // A help command (generate-completion) skips picocli's validation, unmatched words included.
        c.keepsUnmatched = cl.isUnmatchedArgumentsAllowed() || !spec.unmatchedArgsBindings().isEmpty()
                || spec.helpCommand();
        c.usage = usage(c.qualifiedName);
        into.add(c);
        spec.subcommands().values().forEach(sub -> collect(sub, seen, into));
    }

    /** What `COMMAND --help` prints through the real wiring. */
    private static String usage(String qualifiedName) {
        List<String> args = new ArrayList<>(Arrays.asList(qualifiedName.split(" ")));
        args.set(0, "--help");
        Collections.rotate(args, -1);
        StringWriter out = new StringWriter();
        int code = Cli.run(context(out), args.toArray(String[]::new));
        if (code != 0) {
            throw new IllegalStateException(qualifiedName + " --help exited " + code);
        }
        return out.toString();
    }

    private static Context context(StringWriter out) {
        return new Context(Map.of(), new BufferedReader(new StringReader("")), new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true), false, Clock.systemUTC(), Sleeper.REAL);
    }
}

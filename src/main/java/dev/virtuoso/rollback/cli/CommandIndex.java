package dev.virtuoso.rollback.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What picocli knows of each command, written by the build ({@link CommandIndexWriter}) so that
 * {@link EarlyAnswer} can answer {@code --help} and an unknown option or command without building
 * picocli's reflective model (~0.3 s of every start, docs/performance.md).
 *
 * <p>A text resource, one entry per line: {@code command NAME}, then its {@code sub NAME HIDDEN},
 * {@code option NAME HIDDEN} (in picocli's order, which its suggestions follow), {@code negated NAME},
 * {@code help NAME}, {@code positionals N}, {@code required N}, {@code keeps-unmatched 0|1}, and
 * {@code usage LINES} followed by that many lines of the help text picocli prints without a terminal.
 */
final class CommandIndex {
    static final String RESOURCE = "commands.idx";
    static final String PROPERTY = "rollback.index";

    record Name(String name, boolean hidden) {
    }

    /** One command: its qualified name ("rollback restore secrets") and what its parser accepts. */
    static final class Command {
        final String qualifiedName;
        final Map<String, String> subcommands = new LinkedHashMap<>();
        final List<Name> subcommandNames = new ArrayList<>();
        final List<Name> options = new ArrayList<>();
        final List<String> negated = new ArrayList<>();
        final List<String> helpOptions = new ArrayList<>();
        int positionals;
        int required;
        /** Picocli keeps unmatched words for the command instead of refusing them (generate-completion). */
        boolean keepsUnmatched;
        String usage = "";

        Command(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }

        // Plain loops here and in EarlyAnswer: a JVM's first lambda or stream costs milliseconds.
        Command sub(Map<String, Command> all, String name) {
            String qualified = subcommands.get(name);
            return qualified == null ? null : all.get(qualified);
        }

        boolean isOption(String arg) {
            if (negated.contains(arg)) {
                return true;
            }
            for (Name o : options) {
                if (o.name().equals(arg)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Map<String, Command> commands;

    private CommandIndex(Map<String, Command> commands) {
        this.commands = commands;
    }

    Command root() {
        return commands.values().iterator().next();
    }

    Map<String, Command> all() {
        return commands;
    }

    /**
     * The index the launcher names ({@code -Drollback.index=}, the copy beside the jar), else the
     * one in the jar; empty when the build wrote neither (a run from an IDE's classes). The copy
     * beside the jar is read as a plain file: a resource opens the 68 MB jar's central directory,
     * which an answer otherwise served from the class-data archive never needs (~10 ms).
     */
    static Optional<CommandIndex> load() {
        String beside = System.getProperty(PROPERTY);
        if (beside != null) {
            try (BufferedReader in = Files.newBufferedReader(Path.of(beside), StandardCharsets.UTF_8)) {
                return Optional.of(read(in));
            } catch (IOException | RuntimeException e) {
                // A missing or unreadable copy: the jar's own index answers the same.
            }
        }
        try (InputStream in = CommandIndex.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static CommandIndex read(BufferedReader in) throws IOException {
        Map<String, Command> commands = new LinkedHashMap<>();
        Command current = null;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "command" -> {
                    current = new Command(f[1]);
                    commands.put(f[1], current);
                }
                case "sub" -> {
                    current.subcommands.put(f[1], f[3]);
                    current.subcommandNames.add(new Name(f[1], f[2].equals("1")));
                }
                case "option" -> current.options.add(new Name(f[1], f[2].equals("1")));
                case "negated" -> current.negated.add(f[1]);
                case "help" -> current.helpOptions.add(f[1]);
                case "positionals" -> current.positionals = Integer.parseInt(f[1]);
                case "required" -> current.required = Integer.parseInt(f[1]);
                case "keeps-unmatched" -> current.keepsUnmatched = f[1].equals("1");
                case "usage" -> {
                    StringBuilder text = new StringBuilder();
                    for (int i = Integer.parseInt(f[1]); i > 0; i--) {
                        text.append(in.readLine()).append('\n');
                    }
                    current.usage = text.toString();
                }
                default -> throw new IOException("unexpected line in " + RESOURCE + ": " + line);
            }
        }
        if (commands.isEmpty()) {
            throw new IOException(RESOURCE + " is empty");
        }
        return new CommandIndex(commands);
    }

    static void write(Writer out, List<Command> commands) {
        try {
            for (Command c : commands) {
                out.write("command\t" + c.qualifiedName + "\n");
                for (Name s : c.subcommandNames) {
                    out.write("sub\t" + s.name() + "\t" + (s.hidden() ? 1 : 0) + "\t" + c.subcommands.get(s.name())
                            + "\n");
                }
                for (Name o : c.options) {
                    out.write("option\t" + o.name() + "\t" + (o.hidden() ? 1 : 0) + "\n");
                }
                for (String n : c.negated) {
                    out.write("negated\t" + n + "\n");
                }
                for (String h : c.helpOptions) {
                    out.write("help\t" + h + "\n");
                }
                out.write("positionals\t" + c.positionals + "\n");
                out.write("required\t" + c.required + "\n");
                out.write("keeps-unmatched\t" + (c.keepsUnmatched ? 1 : 0) + "\n");
                List<String> lines = c.usage.lines().toList();
                out.write("usage\t" + lines.size() + "\n");
                for (String l : lines) {
                    out.write(l + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

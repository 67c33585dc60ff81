package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.ExitCode;
import java.io.Console;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Answers, before picocli starts, the command lines whose answer is known from the build: {@code
 * --version} alone, {@code [COMMAND...] --help} and {@code [COMMAND...] WORD} where WORD is an
 * unknown option or command. Building picocli's model costs ~0.2 s of a cold JVM, several times the
 * JVM's own start (docs/performance.md).
 *
 * <p>The answer is byte for byte what picocli and {@link Cli} print for the same line, from the
 * {@link CommandIndex} picocli's model wrote at build time (EarlyAnswerTest compares the two for
 * every command). Anything less certain goes to picocli: other options on the line, a known option,
 * a command with required options or positional parameters that could take the word, {@code --},
 * an {@code @file}, a cluster of short options, {@code --name=value}, and any output picocli would
 * style or fit to a terminal.
 */
final class EarlyAnswer {
    private EarlyAnswer() {
    }

    /** The exit code if this command line was answered, else empty and nothing printed. */
    static OptionalInt answer(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            for (String line : new VersionProvider().getVersion()) {
                out.println(line);
            }
            out.flush();
            return OptionalInt.of(ExitCode.OK.code());
        }
        if (!answerable(args) || !plainLikePicocli(env)) {
            return OptionalInt.empty();
        }
        Optional<CommandIndex> index = CommandIndex.load();
        return index.isPresent() ? answer(index.get(), args, out, err) : OptionalInt.empty();
    }

    /**
     * Whether the line has the shape of one it answers (command names, then one word), decided
     * without reading the index: a command about to run need not pay for it.
     */
    private static boolean answerable(String[] args) {
        if (args.length == 0) {
            return false;
        }
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].startsWith("-")) {
                return false;
            }
        }
        String last = args[args.length - 1];
        return !(args.length == 1 && !last.startsWith("-") && RootCommand.COMMANDS.containsKey(last));
    }

    private static OptionalInt answer(CommandIndex index, String[] args, PrintWriter out, PrintWriter err) {
        CommandIndex.Command command = index.root();
        int last = args.length - 1;
        for (int i = 0; i < last; i++) {
            CommandIndex.Command sub = command.sub(index.all(), args[i]);
            if (sub == null || command.required > 0) {
                // Not a subcommand path, or a parent whose missing required option picocli reports first.
                return OptionalInt.empty();
            }
            command = sub;
        }
        String word = args[last];
        if (command.helpOptions.contains(word)) {
            out.print(command.usage);
            out.flush();
            return OptionalInt.of(ExitCode.OK.code());
        }
        if (command.required > 0 || command.keepsUnmatched || !unknown(command, word)) {
            // Picocli reports a missing required option before an unmatched word.
            return OptionalInt.empty();
        }
        boolean option = resemblesOption(command, word);
        if (command.positionals > 0 && !option) {
            return OptionalInt.empty();
        }
        // UnmatchedArgumentException's message and suggestions, then Cli.message's wording.
        String text = (option ? "Unknown option" : "Unmatched argument at index " + last) + ": '" + word + "'";
        List<String> suggestions = option ? optionsWithPrefix(command, word) : similarCommands(command, word);
        if (!suggestions.isEmpty()) {
            List<String> first = suggestions.subList(0, Math.min(3, suggestions.size()));
            text += "; did you mean " + String.join(" or ", first) + "?";
        }
        text = text.contains("--help`") ? text : text + " (see `" + command.qualifiedName + " --help`)";
        err.println("error: " + text);
        err.flush();
        return OptionalInt.of(ExitCode.INVALID_INPUT.code());
    }

    /**
     * Picocli styles help and fits it to the terminal's width when there is one (usageHelpAutoWidth),
     * and honours CLICOLOR_FORCE and its system properties (picocli.ansi, picocli.usage.width,
     * picocli.trace…); the index holds what it prints without any of them.
     */
    private static boolean plainLikePicocli(Map<String, String> env) {
        boolean colourForced = env.containsKey("CLICOLOR_FORCE") && !"0".equals(env.get("CLICOLOR_FORCE"))
                && !env.containsKey("NO_COLOR");
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("picocli.")) {
                return false;
            }
        }
        return !terminal() && !colourForced
                && !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win");
    }

    /** As picocli decides it: a console that, from Java 22 on, also says it is a terminal. */
    private static boolean terminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** A word picocli can only report as unmatched: no option, subcommand, option=value, cluster or file. */
    private static boolean unknown(CommandIndex.Command command, String word) {
        return !word.isEmpty() && !command.isOption(word) && !command.subcommands.containsKey(word)
                && !word.contains("=") && !word.startsWith("@") && !word.equals("--")
                && !(word.startsWith("-") && !word.startsWith("--") && word.length() > 2);
    }

    /** CommandSpec.resemblesOption: shares a prefix with at least 9 of 10 option names, and is no number. */
    private static boolean resemblesOption(CommandIndex.Command command, String arg) {
        if (arg.length() == 1 || isNumber(arg)) {
            return false;
        }
        if (command.options.isEmpty()) {
            return arg.startsWith("-");
        }
        int count = 0;
        for (CommandIndex.Name option : command.options) {
            String name = option.name();
            for (int i = 0; i < arg.length() && i < name.length() && arg.charAt(i) == name.charAt(i); i++) {
                count++;
            }
        }
        return count > 0 && count * 10 >= command.options.size() * 9;
    }

    private static boolean isNumber(String arg) {
        try {
            Long.decode(arg);
            return true;
        } catch (NumberFormatException notLong) {
            try {
                Double.parseDouble(arg);
                return true;
            } catch (NumberFormatException notDouble) {
                return false;
            }
        }
    }

    /** CommandSpec.findVisibleOptionNamesWithPrefix, on the first two letters of the word. */
    private static List<String> optionsWithPrefix(CommandIndex.Command command, String arg) {
        String stripped = stripPrefix(arg);
        String prefix = stripped.substring(0, Math.min(2, stripped.length()));
        List<String> names = new ArrayList<>();
        for (CommandIndex.Name option : command.options) {
            if (!option.hidden() && stripPrefix(option.name()).startsWith(prefix)) {
                names.add(option.name());
            }
        }
        return names;
    }

    private static String stripPrefix(String prefixed) {
        for (int i = 0; i < prefixed.length(); i++) {
            if (Character.isJavaIdentifierPart(prefixed.charAt(i))) {
                return prefixed.substring(i);
            }
        }
        return prefixed;
    }

    /** Picocli's CosineSimilarity.mostSimilar over the visible subcommands: bigram cosine, best first. */
    private static List<String> similarCommands(CommandIndex.Command command, String arg) {
        String pattern = arg.toLowerCase();
        TreeMap<Double, String> sorted = new TreeMap<>();
        for (CommandIndex.Name sub : command.subcommandNames) {
            if (!sub.hidden()) {
                double score = similarity(pattern, sub.name().toLowerCase());
                if (score > 0) {
                    sorted.put(score, sub.name());
                }
            }
        }
        return new ArrayList<>(sorted.descendingMap().values());
    }

    private static double similarity(String a, String b) {
        Map<String, Integer> m1 = bigrams(a);
        Map<String, Integer> m2 = bigrams(b);
        return dot(m1, m2) / Math.sqrt(dot(m1, m1) * dot(m2, m2));
    }

    private static Map<String, Integer> bigrams(String s) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i + 2 <= s.length(); i++) {
            String gram = s.substring(i, i + 2);
            Integer n = m.get(gram);
            m.put(gram, n == null ? 1 : n + 1);
        }
        return m;
    }

    private static double dot(Map<String, Integer> m1, Map<String, Integer> m2) {
        double result = 0;
        for (Map.Entry<String, Integer> e : m1.entrySet()) {
            result += e.getValue() * m2.getOrDefault(e.getKey(), 0);
        }
        return result;
    }
}

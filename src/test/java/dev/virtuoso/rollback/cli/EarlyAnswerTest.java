package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.runbook.Sleeper;
import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Main answers some command lines before picocli starts (EarlyAnswer, from the index the build
 * writes): for every command of the tree, and many wrong words, what it prints is exactly what
 * picocli and Cli print.
 */
class EarlyAnswerTest {
    record Answer(int code, String out, String err) {
    }

    private static CommandIndex index;

    @TempDir
    static Path home;

    @BeforeAll
    static void loadIndex() {
        index = CommandIndex.load().orElseThrow(() -> new AssertionError(
                "no " + CommandIndex.RESOURCE + " in the classes: the build's process-classes step writes it"));
    }

    @Test
    void theIndexInTheJarIsTheOneTheCommandTreeWritesNow() {
        StringWriter fresh = new StringWriter();
        CommandIndex.write(fresh, CommandIndexWriter.commands());
        StringWriter loaded = new StringWriter();
        CommandIndex.write(loaded, List.copyOf(index.all().values()));
        assertThat(loaded.toString()).isEqualTo(fresh.toString());
    }

    @Test
    void helpOfEveryCommandIsWhatPicocliPrintsForIt() {
        assertThat(index.all()).hasSizeGreaterThan(15);
        for (CommandIndex.Command c : index.all().values()) {
            for (String help : List.of("--help", "-h")) {
                String[] args = line(c, help);
                assertThat(early(args)).as(String.join(" ", args)).isPresent().get().isEqualTo(picocli(args));
            }
        }
    }

    @Test
    void everyUnknownWordItAnswersIsAnsweredAsPicocliAnswersIt() {
        int answered = 0;
        int tried = 0;
        for (CommandIndex.Command c : index.all().values()) {
            for (String word : wrongWords(c)) {
                String[] args = line(c, word);
                tried++;
                var fast = early(args);
                if (fast.isPresent()) {
                    answered++;
                    assertThat(fast.get()).as(String.join(" ", args)).isEqualTo(picocli(args));
                    assertThat(fast.get().code()).isEqualTo(2);
                }
            }
        }
        assertThat(answered).as("answered of " + tried).isGreaterThan(tried / 2);
    }

    @Test
    void theCommonMistakesAreAnsweredEarly() {
        for (String line : List.of("--no-such-flag", "statsu", "quick --to-revison", "restore secret",
                "status --output-json", "history -Z")) {
            String[] args = line.split(" ");
            assertThat(early(args)).as(line).isPresent().get().isEqualTo(picocli(args));
        }
        assertThat(early("statsu").orElseThrow().err())
                .isEqualTo("error: Unmatched argument at index 0: 'statsu'; did you mean status or tag or watch? "
                        + "(see `rollback --help`)\n");
    }

    @Test
    void whatItCannotBeSureOfGoesToPicocli() {
        for (String line : List.of("status", "status --help --no-color", "-o json --bogus", "status -yv",
                "quick --to-revision", "quick --percent=5", "history 3", "restore", "@args.txt", "--version -V")) {
            assertThat(early(line.split(" "))).as(line).isEmpty();
        }
    }

    @Test
    void theCopyTheLauncherNamesIsReadAndAMissingOneFallsBackToTheJars() throws Exception {
        StringWriter copy = new StringWriter();
        CommandIndex.write(copy, List.copyOf(index.all().values()));
        Path file = home.resolve("rollback.idx");
        java.nio.file.Files.writeString(file, copy.toString().replaceFirst("usage\t(\\d+)\n", "usage\t$1\nBESIDE\n")
                .replaceFirst("usage\t(\\d+)", "usage\t" + (index.root().usage.lines().count() + 1)));
        try {
            System.setProperty(CommandIndex.PROPERTY, file.toString());
            assertThat(CommandIndex.load().orElseThrow().root().usage).startsWith("BESIDE\n");
            System.setProperty(CommandIndex.PROPERTY, home.resolve("missing.idx").toString());
            assertThat(CommandIndex.load().orElseThrow().root().usage).isEqualTo(index.root().usage);
        } finally {
            System.clearProperty(CommandIndex.PROPERTY);
        }
    }

    @Test
    void whatPicocliWouldColourOrTraceGoesToPicocli() {
        StringWriter out = new StringWriter();
        java.io.PrintWriter w = new java.io.PrintWriter(out);
        assertThat(EarlyAnswer.answer(new String[] {"--help"}, w, w, Map.of("CLICOLOR_FORCE", "1"))).isEmpty();
        assertThat(out.toString()).isEmpty();
        assertThat(EarlyAnswer.answer(new String[] {"--help"}, w, w, Map.of("CLICOLOR_FORCE", "1", "NO_COLOR", "")))
                .hasValue(0);
        try {
            System.setProperty("picocli.trace", "DEBUG");
            assertThat(EarlyAnswer.answer(new String[] {"--no-such-flag"}, w, w, Map.of())).isEmpty();
        } finally {
            System.clearProperty("picocli.trace");
        }
    }

    private static List<String> wrongWords(CommandIndex.Command c) {
        List<String> words = new ArrayList<>(List.of("--no-such-flag", "--bogus", "-Z", "-5", "-1.5", "bogus", "x",
                "--", "", "@x", "--help`", "---", "-", "--x=y"));
        Stream.concat(c.options.stream(), c.subcommandNames.stream()).map(CommandIndex.Name::name)
                .filter(n -> n.length() > 3).forEach(n -> {
                    words.add(n.substring(0, n.length() - 1));
                    words.add(n + "x");
                    words.add(n.substring(0, 2) + n.charAt(3) + n.charAt(2) + n.substring(4));
                    words.add(n.toUpperCase());
                });
        return words;
    }

    private static String[] line(CommandIndex.Command c, String word) {
        List<String> args = new ArrayList<>(Arrays.asList(c.qualifiedName.split(" ")));
        args.remove(0);
        args.add(word);
        return args.toArray(String[]::new);
    }

    private static java.util.Optional<Answer> early(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        OptionalInt code = EarlyAnswer.answer(args, new java.io.PrintWriter(out), new java.io.PrintWriter(err), Map.of());
        if (code.isEmpty()) {
            assertThat(out.toString() + err.toString()).as("nothing printed when not answered").isEmpty();
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Answer(code.getAsInt(), out.toString(), err.toString()));
    }

    private static Answer picocli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Context ctx = new Context(Map.of("ROLLBACK_HOME", home.toString()), new BufferedReader(new StringReader("")),
                new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), false, Clock.systemUTC(),
                Sleeper.REAL);
        int code = Cli.run(ctx, args);
        return new Answer(code, out.toString(), err.toString());
    }
}

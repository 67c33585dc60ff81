package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.e2e.Outputs;
import dev.virtuoso.rollback.e2e.TestTools;
import dev.virtuoso.rollback.port.Sleeper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The release archive the build leaves in target/, unpacked with the system's tar under a path
 * with spaces, used the way the README's "Install" section says. In the cli package: the command
 * tree the pages must cover is the live one, as help builds it.
 */
class ReleaseArchiveIT {
    private static final Path BUILD = Path.of(System.getProperty("rollback.launcher", "target/rollback"))
            .toAbsolutePath().getParent();
    private static final String VERSION = System.getProperty("rollback.version", "0.1.0-SNAPSHOT");
    private static final String TOP = "rollback-" + VERSION;
    private static Path root;
    private static Path tree;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void unpack() throws Exception {
        root = Files.createTempDirectory(BUILD, "release-it-");
        Path into = Files.createDirectories(root.resolve("my tools/un packed"));
        tree = into.resolve(TOP);
        Run tar = run(List.of("tar", "-xzf", archive().toString(), "-C", into.toString()), Map.of());
        assertThat(tar.code()).as(tar.err()).isZero();
    }

    @AfterAll
    static void remove() throws IOException {
        delete(root);
    }

    private static Path archive() {
        return BUILD.resolve(TOP + ".tar.gz");
    }

    @Test
    void theArchiveHoldsOneFolderNamedForTheVersionWithLauncherJarPagesCompletionSandboxRunbooksAndReadme() throws Exception {
        assertThat(archive()).exists();
        try (Stream<Path> top = Files.list(tree.getParent())) {
            assertThat(top.map(p -> p.getFileName().toString())).containsExactly(TOP);
        }
        Set<String> files = new TreeSet<>();
        try (Stream<Path> all = Files.walk(tree)) {
            all.filter(Files::isRegularFile).forEach(p -> files.add(tree.relativize(p).toString()));
        }
        assertThat(files).filteredOn(f -> !f.startsWith("share/man/man1/"))
                .containsExactly("README.md", "bin/rollback", "lib/rollback.jar",
                        "share/bash-completion/completions/rollback", "share/rollback/runbooks/sandbox-fleet.yaml",
                        "share/rollback/runbooks/sandbox.yaml");
        assertThat(Files.getPosixFilePermissions(tree.resolve("bin/rollback")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    }

    @Test
    void theUnpackedLauncherPrintsTheVersionInTheArchivesName() throws Exception {
        Run version = rollback(Map.of(), "--version");
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).isEqualTo("rollback " + VERSION + "\n");
        assertThat(version.err()).isEmpty();
    }

    @Test
    void aLinkToTheLauncherFromAnotherFolderFindsTheJar() throws Exception {
        Path link = Files.createDirectories(root.resolve("on the path")).resolve("rollback");
        Files.createSymbolicLink(link, tree.resolve("bin/rollback"));
        Run version = run(List.of(link.toString(), "--version"), Map.of());
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).isEqualTo("rollback " + VERSION + "\n");
    }

    @Test
    void thereIsAManPageForEveryCommandOfTheLiveTreeAndManRendersEachWithItsName() throws Exception {
        TestTools.require("man", "man-db", "the release's man pages were");
        List<String> commands = new ArrayList<>();
        try (Wiring wiring = new Wiring(quiet())) {
            walk(Cli.commandLine(quiet(), wiring), commands);
        }
        assertThat(commands).contains("rollback", "rollback quick", "rollback restore secrets");
        Path pages = tree.resolve("share/man/man1");
        try (Stream<Path> files = Files.list(pages)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(commands.stream().map(c -> c.replace(' ', '-') + ".1").toList());
        }
        for (String command : commands) {
            String page = command.replace(' ', '-');
            Run man = man(pages.resolve(page + ".1"));
            assertThat(man.code()).as(page + ": " + man.err()).isZero();
            assertThat(man.err()).as(page).isEmpty();
            assertThat(man.out()).as(page).contains("NAME\n       " + page + " - ").contains("SYNOPSIS\n       " + command)
                    // the footer names the version the archive is named for, on every page
                    .contains("rollback " + VERSION).doesNotContain("development build");
        }
        // The root page names every command beside it.
        assertThat(man(pages.resolve("rollback.1")).out()).contains("\n       quick\n", "\n       restore\n");
    }

    @Test
    void theCompletionScriptIsWhatGenerateCompletionPrintsAndCompletesCommandsInBash() throws Exception {
        Path script = tree.resolve("share/bash-completion/completions/rollback");
        Run generated = rollback(Map.of(), "generate-completion");
        assertThat(generated.code()).as(generated.err()).isZero();
        assertThat(Files.readString(script)).isEqualTo(generated.out());

        Run bash = run(List.of("bash", "-c", """
                source "$1"
                complete -p rollback
                COMP_WORDS=(rollback qu); COMP_CWORD=1; COMP_LINE='rollback qu'; COMP_POINT=${#COMP_LINE}
                _complete_rollback rollback qu rollback
                echo "quick: ${COMPREPLY[*]}"
                COMP_WORDS=(rollback restore s); COMP_CWORD=2; COMP_LINE='rollback restore s'; COMP_POINT=${#COMP_LINE}
                _complete_rollback rollback s restore
                echo "restore: ${COMPREPLY[*]}"
                """, "bash", script.toString()), Map.of());
        assertThat(bash.code()).as(bash.err()).isZero();
        // (compopt complains on stderr outside a real completion; the replies are what matters.)
        assertThat(bash.out()).startsWith("complete ").contains(" -F _complete_rollback rollback\n")
                .contains("\nquick: quick\n").contains("\nrestore: secrets\n");
    }

    @Test
    void aClassDataArchiveMadeInTheUnpackedTreeIsUsedThere() throws Exception {
        // Java 17 archives no class of a jar whose path has a space: a second copy where there is none.
        Path plain = Files.createTempDirectory("rollback-release-it-");
        try {
            Assumptions.assumeFalse(plain.toString().contains(" "), "the temporary folder's path has a space");
            Run tar = run(List.of("tar", "-xzf", archive().toString(), "-C", plain.toString()), Map.of());
            assertThat(tar.code()).as(tar.err()).isZero();
            Path launcher = plain.resolve(TOP + "/bin/rollback");
            assertThat(plain.resolve(TOP + "/lib/rollback.jsa")).doesNotExist();

            Run create = run(List.of(launcher.toString()), Map.of("ROLLBACK_CDS", "create"));
            assertThat(create.code()).as(create.err()).isZero();
            assertThat(create.out()).isEqualTo("wrote " + plain.resolve(TOP + "/lib/rollback.jsa") + "\n");
            // Renamed into place: no temporary file is left beside it.
            try (Stream<Path> lib = Files.list(plain.resolve(TOP + "/lib"))) {
                assertThat(lib.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("rollback.jar",
                        "rollback.jsa");
            }

            // -Xshare:on: the JVM refuses to start when it cannot use the archive.
            Path log = plain.resolve("classes.log");
            Run status = run(List.of(launcher.toString(), "status", "--help"),
                    Map.of("ROLLBACK_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info:file=" + log));
            assertThat(status.code()).as(status.err()).isZero();
            List<String> loaded = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertThat(loaded).anyMatch(l -> l.contains(" dev.virtuoso.rollback.cli.Main source: shared objects file (top)"))
                    .noneMatch(l -> l.contains("source: file:"));
        } finally {
            delete(plain);
        }
    }

    @Test
    void onJava17UnderAPathWithASpaceTheLauncherKeepsNoArchiveAndSaysTheSpaceIsWhy() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() == 17, "Java 17 archives no class of such a jar");
        Run create = rollback(thisJdk(Map.of("ROLLBACK_CDS", "create")));
        try {
            assertThat(create.code()).as(create.err()).isEqualTo(1);
            assertThat(create.out()).isEmpty();
            assertThat(create.err()).startsWith("error: no class-data archive for " + tree.resolve("lib/rollback.jar")
                    + ": this JDK made none that it would use (Java 17 makes none for a jar whose path has a space); "
                    + "what the run printed is in ");
            assertThat(Files.readString(keptLog(create))).contains("drill");
            assertThat(lib()).isEqualTo(Set.of("rollback.jar"));
            assertThat(rollback(Map.of(), "--version").out()).isEqualTo("rollback " + VERSION + "\n");
        } finally {
            Files.deleteIfExists(tree.resolve("lib/rollback.jsa"));
        }
    }

    @Test
    void fromJava25UnderAPathWithASpaceTheLauncherWritesAnArchiveTheJdkUses() throws Exception {
        Path jdk25 = jdk25();
        Run create = rollback(withJdk(jdk25, Map.of("ROLLBACK_CDS", "create")));
        try {
            assertThat(create.code()).as(create.err()).isZero();
            assertThat(lib()).isEqualTo(Set.of("rollback.jar", "rollback.jsa"));
            Run version = rollback(withJdk(jdk25, Map.of("ROLLBACK_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info")),
                    "--version");
            assertThat(version.code()).as(version.err()).isZero();
            assertThat(version.out()).contains(" dev.virtuoso.rollback.cli.Main source: shared objects file (top)");
        } finally {
            Files.deleteIfExists(tree.resolve("lib/rollback.jsa"));
        }
    }

    @Test
    void whenTheRunThatMakesTheArchiveFailsTheLauncherSaysSoKeepsItsLogAndLeavesNothingInLib() throws Exception {
        // A heap too small for the JVM to start: the run that makes the archive exits 1 at once.
        Run create = rollback(thisJdk(Map.of("ROLLBACK_CDS", "create", "ROLLBACK_JAVA_OPTS", "-Xmx1m")));
        assertThat(create.code()).as(create.err()).isEqualTo(1);
        assertThat(create.err()).startsWith("error: no class-data archive for " + tree.resolve("lib/rollback.jar")
                + ": the run that makes it failed (exit 1); what the run printed is in ")
                .doesNotContain("space");
        assertThat(Files.readString(keptLog(create))).contains("heap");
        assertThat(lib()).isEqualTo(Set.of("rollback.jar"));
    }

    @Test
    void aLibFolderTheUserCannotWriteToGetsNoArchiveAndTheLauncherSaysSo() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root may write to any folder");
        Path lib = tree.resolve("lib");
        Set<PosixFilePermission> before = Files.getPosixFilePermissions(lib);
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Run create = rollback(thisJdk(Map.of("ROLLBACK_CDS", "create")));
            assertThat(create.code()).as(create.err()).isEqualTo(1);
            assertThat(create.err()).isEqualTo("error: no class-data archive: " + lib + " is not writable for this "
                    + "user; rollback works without it, only slower\n");
        } finally {
            Files.setPosixFilePermissions(lib, before);
        }
        assertThat(lib()).isEqualTo(Set.of("rollback.jar"));
    }

    /** The launcher on the JDK running this test, whose version the test knows. */
    private static Map<String, String> thisJdk(Map<String, String> env) {
        return withJdk(Path.of(System.getProperty("java.home")), env);
    }

    /** A JDK 25 or later: the one running this test, else one installed beside it (/usr/lib/jvm/*-25*). */
    private static Path jdk25() throws IOException {
        if (Runtime.version().feature() >= 25) {
            return Path.of(System.getProperty("java.home"));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        Path found = null;
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> all = Files.list(jvms)) {
                found = all.filter(p -> p.getFileName().toString().matches(".*-2[5-9](\\D.*)?")
                        && Files.isExecutable(p.resolve("bin/java"))).sorted().findFirst().orElse(null);
            }
        }
        Assumptions.assumeTrue(found != null, "no JDK 25 here (this test runs on " + Runtime.version()
                + " and /usr/lib/jvm has none): Java 25 archives classes of a jar under a path with a space");
        return found;
    }

    private static Map<String, String> withJdk(Path javaHome, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("JAVA_HOME", javaHome.toString());
        // The log a failure keeps goes under this test's folder (whose path has no space), removed with it.
        all.put("TMPDIR", root.toString());
        return all;
    }

    /** The file an error message names as the one holding what the run printed; it exists. */
    private static Path keptLog(Run create) {
        Matcher m = Pattern.compile("what the run printed is in (.+?); rollback works without it").matcher(create.err());
        assertThat(m.find()).as(create.err()).isTrue();
        Path log = Path.of(m.group(1));
        assertThat(log).isRegularFile().hasParentRaw(root);
        return log;
    }

    /** The names in the unpacked tree's lib folder, hidden ones included. */
    private static Set<String> lib() throws IOException {
        try (Stream<Path> files = Files.list(tree.resolve("lib"))) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void walk(CommandLine command, List<String> names) {
        names.add(command.getCommandSpec().qualifiedName());
        for (CommandLine sub : command.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden()) {
                walk(sub, names);
            }
        }
    }

    private static Context quiet() {
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        return new Context(Map.of(), new BufferedReader(Reader.nullReader()), nowhere, nowhere, false,
                new Context.SystemClock(), Sleeper.REAL);
    }

    private static Run man(Path page) throws Exception {
        return run(List.of("man", "-l", page.toString()), Map.of("MANPAGER", "cat", "PAGER", "cat",
                "MANWIDTH", "200", "LANG", "C.UTF-8"));
    }

    private static Run rollback(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tree.resolve("bin/rollback").toString()));
        cmd.addAll(List.of(args));
        return run(cmd, env);
    }

    private static Run run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        pb.environment().putIfAbsent("ROLLBACK_HOME", root.resolve("home").toString());
        Outputs outputs = Outputs.of(pb.start(), 120);
        return new Run(outputs.code(), outputs.out(), outputs.err());
    }

    private static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

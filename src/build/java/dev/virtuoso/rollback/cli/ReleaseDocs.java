package dev.virtuoso.rollback.cli;

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
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.asciidoctor.Asciidoctor;
import org.asciidoctor.Options;
import org.asciidoctor.SafeMode;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build step (pom.xml, prepare-package), not part of the product: the release archive's man pages
 * and bash/zsh completion script, both generated from the command tree that help shows, so a new
 * command or option appears in them without anyone writing a page. Picocli writes one AsciiDoc
 * page per command (rollback, rollback-quick, rollback-restore-secrets, ...); Asciidoctor's manpage
 * backend turns each into roff.
 *
 * <p>Arguments: the folder for the AsciiDoc pages, the folder for the roff pages, the completion
 * script's file, the project's version.
 */
final class ReleaseDocs {
    private ReleaseDocs() {
    }

    public static void main(String[] args) throws IOException {
        Path adoc = Path.of(args[0]);
        Path man = Path.of(args[1]);
        Path completion = Path.of(args[2]);
        String version = args[3];
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        // No environment: the pages must not depend on the machine that builds them.
        Context ctx = new Context(Map.of(), new BufferedReader(Reader.nullReader()), nowhere, nowhere, false,
                new Context.SystemClock(), Sleeper.REAL);
        try (Wiring wiring = new Wiring(ctx)) {
            CommandLine tree = Cli.commandLine(ctx, wiring);
            // The jar's manifest gives `rollback --version` its version; these classes are not in a jar yet. Every
            // command's page carries the version in its footer, so every command is given it, not only the root.
            String[] named = {"rollback " + version};
            tree.getCommandSpec().versionProvider(() -> named);
            everyCommand(tree, c -> c.getCommandSpec().versionProvider(() -> named));
            Files.createDirectories(adoc);
            // force: pages of an earlier build are replaced; no templates folder: the pages are used as generated.
            int generated = ManPageGenerator.generateManPage(adoc.toFile(), null, new boolean[0], true,
                    tree.getCommandSpec());
            // It reports a page it could not write by its return value, not by an exception: a release
            // missing pages must not be packed.
            if (generated != 0) {
                throw new IllegalStateException("the man page generator failed (status " + generated
                        + ") writing AsciiDoc pages into " + adoc);
            }
            Files.createDirectories(completion.getParent());
            // What `rollback generate-completion` prints, its last line's end included.
            Files.writeString(completion, AutoComplete.bash(tree.getCommandName(), tree) + "\n",
                    StandardCharsets.UTF_8);
        }
        List<File> pages;
        try (Stream<Path> files = Files.list(adoc)) {
            pages = files.filter(p -> p.toString().endsWith(".adoc")).sorted().map(Path::toFile).toList();
        }
        Files.createDirectories(man);
        try (Asciidoctor asciidoctor = Asciidoctor.Factory.create()) {
            Options options = Options.builder().backend("manpage").safe(SafeMode.UNSAFE).toDir(man.toFile())
                    .mkDirs(true).build();
            for (File page : pages) {
                asciidoctor.convertFile(page, options);
            }
        }
    }

    private static void everyCommand(CommandLine command, Consumer<CommandLine> action) {
        for (CommandLine sub : command.getSubcommands().values()) {
            action.accept(sub);
            everyCommand(sub, action);
        }
    }
}

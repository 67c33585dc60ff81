package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.port.Sleeper;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;

/**
 * Build step (pom.xml, package): the run whose loaded classes become the launcher's class-data
 * archive. A sandbox drill loads the Google stack every command needs; help and a mistyped option
 * or command load picocli's help and suggestion classes, which a drill never does, and any class
 * not in the archive is read from the jar, opening its 68 MB central directory
 * (docs/performance.md).
 */
public final class ArchiveTraining {
    private ArchiveTraining() {
    }

    public static void main(String[] drill) {
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        Context quiet = new Context(System.getenv(), new BufferedReader(Reader.nullReader()), nowhere, nowhere,
                false, new Context.SystemClock(), Sleeper.REAL);
        for (String line : new String[] {"--help", "status --help", "--no-such-flag", "statsu"}) {
            Cli.run(quiet, line.split(" "));
        }
        Main.main(drill);
    }
}

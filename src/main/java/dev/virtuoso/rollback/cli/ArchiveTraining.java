package dev.virtuoso.rollback.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Map;

/**
 * Build step (pom.xml, package): the run whose loaded classes become the launcher's class-data
 * archive. A sandbox drill loads the Google stack every command needs; the lines Main answers
 * early (help, an unknown option or command) load a few classes of their own, which a drill never
 * does, and any class not in the archive is read from the jar, opening its 68 MB central
 * directory (docs/performance.md).
 */
public final class ArchiveTraining {
    private ArchiveTraining() {
    }

    public static void main(String[] drill) {
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        for (String line : new String[] {"--help", "status --help", "--no-such-flag", "statsu"}) {
            EarlyAnswer.answer(line.split(" "), nowhere, nowhere, Map.of());
        }
        Main.main(drill);
    }
}

package dev.virtuoso.rollback.verify;

import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.RunbookException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reports the tool writes next to the user (JUnit XML, drill reports). Whether they can be
 * written is checked before anything runs; a local problem is the user's to fix, so it is
 * exit 2 with one clear line, never a bug.
 */
final class LocalFiles {
    private LocalFiles() {
    }

    /** {@code target} (a file, or a directory when {@code directory}) can be created or overwritten. */
    static void checkWritable(Path target, boolean directory, String what) {
        Path abs = target.toAbsolutePath();
        if (Files.exists(abs)) {
            if (directory ? !Files.isDirectory(abs) : !Files.isRegularFile(abs)) {
                throw problem(what, target, "it exists and is not a " + (directory ? "directory" : "file"));
            }
            if (!Files.isWritable(abs)) {
                throw problem(what, target, "permission denied");
            }
            return;
        }
        Path existing = abs.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw problem(what, target, existing + " is not a directory");
        }
        if (!Files.isWritable(existing)) {
            throw problem(what, target, "the directory " + existing + " is not writable");
        }
    }

    static RunbookException problem(String what, Path target, String reason) {
        return RunbookException.invalid("cannot write the " + what + " " + target + ": " + reason);
    }

    static RunbookException problem(String what, Path target, IOException e) {
        return new RunbookException(ExitCode.INVALID_INPUT, "cannot write the " + what + " " + target + ": "
                + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage()), e);
    }
}

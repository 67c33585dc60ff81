package dev.virtuoso.rollback.adapter.files;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reports the tool writes next to the user (JUnit XML, drill reports). Whether they can be
 * written is checked before anything runs; a local problem is the user's to fix, so it is
 * exit 2 with one clear line, never a bug. Folders are never created on the way: a report goes
 * into a directory that exists (a drill's report directory itself may be made, in one that does).
 */
final class LocalFiles {
    private LocalFiles() {
    }

    /**
     * {@code target} (a file, or the directory the files go into when {@code directory}) can be
     * written, found by trying it rather than from permission bits, which say nothing for root, a
     * read-only mount or a link that points nowhere. A file or directory the check makes to try is
     * removed at once: the check leaves nothing behind.
     */
    static void checkWritable(Path target, boolean directory, String what) {
        Path abs = target.toAbsolutePath();
        if (Files.isSymbolicLink(abs) && !Files.exists(abs)) {
            throw problem(what, target, "it is a link to " + link(abs) + ", which does not exist");
        }
        try {
            if (Files.exists(abs)) {
                if (directory ? !Files.isDirectory(abs) : !Files.isRegularFile(abs)) {
                    throw problem(what, target, "it exists and is not a " + (directory ? "directory" : "file"));
                }
                if (directory) {
                    Files.delete(Files.createTempFile(abs, ".rollback-", ".probe"));
                } else {
                    // Opened for writing, neither truncated nor touched.
                    FileChannel.open(abs, StandardOpenOption.WRITE).close();
                }
                return;
            }
            Path parent = target.getParent() != null ? target.getParent() : abs.getParent();
            if (!Files.isDirectory(parent)) {
                throw problem(what, target, Files.exists(parent) ? parent + " is not a directory"
                        : "the directory " + parent + " does not exist (create it first)");
            }
            Files.delete(directory ? Files.createDirectory(abs) : Files.createFile(abs));
        } catch (IOException e) {
            throw problem(what, target, e);
        }
    }

    private static String link(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "a path";
        }
    }

    static RunbookException problem(String what, Path target, String reason) {
        return RunbookException.invalid("cannot write the " + what + " " + target + ": " + reason);
    }

    static RunbookException problem(String what, Path target, IOException e) {
        String reason = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof NoSuchFileException ? "a directory on its path does not exist"
                : e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return new RunbookException(ExitCode.INVALID_INPUT, "cannot write the " + what + " " + target + ": " + reason, e);
    }

    /** Writes a file's content to the path it is given. */
    interface Writer {
        void write(Path to) throws IOException;
    }

    /**
     * Writes {@code target} through a temporary file beside it, renamed into place: a reader (or a
     * run stopped halfway) finds the old file or the new one, never half of one.
     */
    static void replace(Path target, Writer writer) throws IOException {
        String name = target.getFileName().toString();
        Path tmp = Files.createTempFile(target.getParent(), "." + name + "-", ".tmp");
        try {
            writer.write(tmp);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

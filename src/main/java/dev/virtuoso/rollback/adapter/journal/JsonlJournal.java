package dev.virtuoso.rollback.adapter.journal;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.OpenSteps;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Stamp;
import dev.virtuoso.rollback.port.Journal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The journal as append-only JSON Lines, mode 0600. A step's later states are
 * new lines with the same id; {@link #history()} folds them to the newest.
 */
public final class JsonlJournal implements Journal {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path file;
    private final Clock clock;
    private final Consumer<String> warn;
    private final OpenSteps openHere = new OpenSteps();
    private boolean checked;
    private boolean tornWarned;

    /** {@code warn} hears what the journal fixed on its own (a file others could read, made private). */
    public JsonlJournal(Path file, Clock clock, Consumer<String> warn) {
        this.file = file;
        this.clock = clock;
        this.warn = warn;
    }

    /** {@code $ROLLBACK_HOME/journal.jsonl}, else {@code ${XDG_STATE_HOME:-~/.local/state}/rollback/journal.jsonl}. */
    public static Path defaultFile(Map<String, String> env) {
        String home = env.get("ROLLBACK_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "journal.jsonl");
        }
        String state = env.get("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
        return base.resolve("rollback").resolve("journal.jsonl");
    }

    public Path file() {
        return file;
    }

    @Override
    @SuppressWarnings("try") // the lock is held for the write; it has no use in the body
    public synchronized void append(JournalRecord record) {
        // The channel is interruptible: a Ctrl-C that is being handled must not cost the record of it.
        boolean interrupted = Thread.interrupted();
        try {
            ensurePrivateFile();
            byte[] line = (Json.mapper().writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                // Every writer appends under this lock, so what it finds after the last newline is no
                // append in progress but one a crash cut short.
                writeAt(ch, endTornLine(ch), line);
                ch.force(false);
            }
        } catch (IOException e) {
            throw local("cannot write the journal " + file + ": " + reason(e), e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        openHere.appended(record);
    }

    /**
     * Where the next line starts. A last line without its newline that is a whole record (the crash
     * came between the two) gets its newline; anything else there is moved to a side file next to the
     * journal ({@code journal.jsonl.torn-<UTC time>}, 0600) and cut off, with a warning, so the next
     * record is never glued onto it and the torn bytes stay there to look at.
     */
    private long endTornLine(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0 || read(ch, size - 1, 1)[0] == '\n') {
            return size;
        }
        long start = lineStart(ch, size);
        byte[] torn = read(ch, start, size - start);
        if (record(torn) != null || new String(torn, StandardCharsets.UTF_8).isBlank()) {
            writeAt(ch, size, new byte[] {'\n'});
            return size + 1;
        }
        Path aside = setAside(torn);
        ch.truncate(start);
        ch.force(true);
        warn.accept("the journal " + file + " ended with an incomplete line (" + torn.length + " bytes, an append "
                + "cut short by a crash); moved it to " + aside + " and went on");
        return start;
    }

    private Path setAside(byte[] torn) throws IOException {
        String base = file.getFileName() + ".torn-" + Stamp.of(clock.instant());
        Path aside = file.resolveSibling(base);
        for (int n = 2; ; n++) {
            try {
                createPrivate(aside);
                break;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                aside = file.resolveSibling(base + "-" + n);
            }
        }
        try (FileChannel out = FileChannel.open(aside, StandardOpenOption.WRITE)) {
            writeAt(out, 0, torn);
            out.force(true);
        }
        syncDirectory(aside.toAbsolutePath().getParent());
        return aside;
    }

    /** The position after the last newline before {@code end}, read backwards a block at a time; 0 if none. */
    private static long lineStart(FileChannel ch, long end) throws IOException {
        for (long pos = end; pos > 0; ) {
            int n = (int) Math.min(8192, pos);
            pos -= n;
            byte[] block = read(ch, pos, n);
            for (int i = n - 1; i >= 0; i--) {
                if (block[i] == '\n') {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }

    private static byte[] read(FileChannel ch, long position, long length) throws IOException {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IOException("it is too large to read (" + length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new java.io.EOFException("the file ended while it was read");
            }
        }
        return buf.array();
    }

    private static void writeAt(FileChannel ch, long position, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf, position + buf.position());
        }
    }

    @Override
    public void checkWritable() {
        Path abs = file.toAbsolutePath();
        if (Files.exists(abs)) {
            if (!Files.isRegularFile(abs) || !Files.isWritable(abs)) {
                throw local("cannot write the journal " + file + ": " + (Files.isRegularFile(abs) ? "permission denied"
                        : "it is not a file"), null);
            }
            return;
        }
        Path dir = abs.getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw local("cannot write the journal " + file + ": a file is in the way of its directory", null);
        }
        if (!Files.isWritable(dir)) {
            throw local("cannot write the journal " + file + ": the directory " + dir + " is not writable", null);
        }
    }

    /**
     * The journal says who changed what: it is created 0600, and an existing one that others may
     * read is made 0600 again (with a warning) rather than refused, so a rollback is never blocked
     * by it. A file system without POSIX permissions (FAT, some mounts) just gets the file.
     */
    private void ensurePrivateFile() throws IOException {
        if (checked) {
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Path existed = dir;
        while (existed != null && !Files.isDirectory(existed)) {
            existed = existed.getParent();
        }
        boolean posix = Files.getFileStore(Files.createDirectories(dir)).supportsFileAttributeView(
                PosixFileAttributeView.class);
        if (!Files.exists(file)) {
            createPrivate(file);
            // A file is found after a crash only if its directory entry reached the disk, and so on up
            // to the first directory that was there before.
            for (Path d = dir; d != null; d = d.getParent()) {
                syncDirectory(d);
                if (d.equals(existed)) {
                    break;
                }
            }
        } else if (posix) {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(file);
            if (!now.equals(OWNER_ONLY)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
                warn.accept("the journal " + file + " had mode " + PosixFilePermissions.toString(now)
                        + "; made it rw------- (only you can read who changed what)");
            }
        }
        checked = true;
    }

    /** A new file only its owner can read, where the file system has POSIX permissions. */
    private static void createPrivate(Path path) throws IOException {
        if (Files.getFileStore(path.toAbsolutePath().getParent()).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(path);
        }
    }

    /**
     * fsync of a directory, which makes the entries created in it durable. Not every platform can open
     * a directory (Windows, some file systems): there the entry is as durable as they make it.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // nothing more can be done here, and the journal must not block a rollback for it
        }
    }

    /** True while a step this process started is unfinished. */
    public boolean hasOpen() {
        return openHere.any();
    }

    /**
     * Marks the steps this process left unfinished as interrupted and returns those records;
     * called on Ctrl-C so the journal shows where the run stopped.
     */
    public synchronized List<JournalRecord> interruptOpen() {
        List<JournalRecord> records = openHere.interrupted(clock.instant());
        for (JournalRecord r : records) {
            append(r);
        }
        return records;
    }

    /** A local problem (a damaged or unwritable file) is the user's to fix, not a bug: exit 2. */
    private static RunbookException local(String message, IOException e) {
        return new RunbookException(ExitCode.INVALID_INPUT, message, e);
    }

    private static String reason(IOException e) {
        return e instanceof java.nio.charset.MalformedInputException ? "it is not UTF-8 text"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.FileAlreadyExistsException ? "a file is in the way of its directory"
                : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : String.valueOf(e.getMessage());
    }

    /**
     * Each step's newest line, parsed when asked for: a step is written as several lines (planned,
     * applied, verified…), and callers look from the newest step back until they find what they
     * need (history shows 20). Parsing every line made a 5 000-line journal cost `quick` and
     * `history` ~0.24 s at start (docs/performance.md). A line this journal wrote starts with its
     * id, so older lines of a step are skipped unparsed; any other line is parsed to find its step.
     * A damaged line is exit 2 when it is read, naming the file and line. A last line without its
     * newline that is not a whole record is an append a crash cut short: it is left out with a
     * warning (the next append sets it aside), never an error.
     */
    @Override
    public synchronized List<JournalRecord> history() {
        if (!Files.exists(file)) {
            return new ArrayList<>();
        }
        List<String> lines;
        try {
            lines = lines(readShared());
        } catch (IOException e) {
            throw local("cannot read the journal " + file + ": " + reason(e), e);
        }
        Map<String, Integer> newestLine = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.isBlank()) {
                String id = leadingId(line);
                // LinkedHashMap keeps each id where it first appeared: steps stay oldest first.
                newestLine.put(id != null ? id : parse(line, i + 1).id(), i);
            }
        }
        int[] at = newestLine.values().stream().mapToInt(Integer::intValue).toArray();
        JournalRecord[] parsed = new JournalRecord[at.length];
        return new java.util.AbstractList<>() {
            @Override
            public synchronized JournalRecord get(int index) {
                if (parsed[index] == null) {
                    parsed[index] = parse(lines.get(at[index]), at[index] + 1);
                }
                return parsed[index];
            }

            @Override
            public int size() {
                return at.length;
            }
        };
    }

    /**
     * The file's bytes, read under a shared lock: no writer is in the middle of an append then, so a
     * last line without its newline is what a crash left. Where the file system has no locks it is
     * read as it is: such a line is left out all the same, and only the warning could be early.
     */
    @SuppressWarnings("try")
    private byte[] readShared() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock lock = null;
            try {
                lock = ch.lock(0, Long.MAX_VALUE, true);
            } catch (IOException | UnsupportedOperationException | java.nio.channels.OverlappingFileLockException e) {
                // read without it
            }
            try {
                return read(ch, 0, ch.size());
            } finally {
                if (lock != null) {
                    lock.release();
                }
            }
        }
    }

    /** The text's lines; a last one without its newline only when it is a whole record. */
    private List<String> lines(byte[] bytes) throws IOException {
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        List<String> lines = new ArrayList<>(utf8(bytes, 0, end).lines().toList());
        byte[] tail = java.util.Arrays.copyOfRange(bytes, end, bytes.length);
        if (record(tail) != null) {
            lines.add(new String(tail, StandardCharsets.UTF_8));
        } else if (!new String(tail, StandardCharsets.UTF_8).isBlank() && !tornWarned) {
            tornWarned = true;
            warn.accept("the journal " + file + " ends with an incomplete line (" + tail.length + " bytes, an append "
                    + "cut short by a crash); left it out, and the next change moves it aside");
        }
        return lines;
    }

    private static String utf8(byte[] bytes, int from, int to) throws java.nio.charset.CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, from, to - from)).toString();
    }

    /** The record {@code line} holds, or null when it holds none (empty, cut short, not UTF-8, not a record). */
    private static JournalRecord record(byte[] line) {
        try {
            return line.length == 0 ? null : Json.mapper().readValue(utf8(line, 0, line.length), JournalRecord.class)
                    .withOutcomeOfOldRecord();
        } catch (IOException e) {
            return null;
        }
    }

    private static final String ID_FIRST = "{\"id\":\"";

    /** The id a line starts with as {@link #append} writes it ({"id":"…",), else null. */
    private static String leadingId(String line) {
        if (!line.startsWith(ID_FIRST)) {
            return null;
        }
        int end = line.indexOf('"', ID_FIRST.length());
        if (end < 0) {
            return null;
        }
        String id = line.substring(ID_FIRST.length(), end);
        return id.indexOf('\\') >= 0 ? null : id;
    }

    private JournalRecord parse(String line, int number) {
        try {
            return Json.mapper().readValue(line, JournalRecord.class).withOutcomeOfOldRecord();
        } catch (IOException e) {
            throw local("the journal " + file + " line " + number + " is damaged (not a journal record); move the "
                    + "file aside or repair that line", e);
        }
    }
}

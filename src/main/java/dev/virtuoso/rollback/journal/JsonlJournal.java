package dev.virtuoso.rollback.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.Journal;
import dev.virtuoso.rollback.runbook.JournalRecord;
import dev.virtuoso.rollback.runbook.RunbookException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The journal as append-only JSON Lines, mode 0600 (SPEC 10). A step's later states are
 * new lines with the same id; {@link #history()} folds them to the newest.
 */
public final class JsonlJournal implements Journal {
    static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private final Path file;
    private final Clock clock;
    private final Set<String> openHere = new LinkedHashSet<>();

    public JsonlJournal(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
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
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            byte[] line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                ch.write(java.nio.ByteBuffer.wrap(line));
                ch.force(false);
            }
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INTERNAL, "cannot write the journal " + file + ": " + e.getMessage(), e);
        }
        boolean open = record.state() == JournalRecord.State.planned || record.state() == JournalRecord.State.applied;
        if (open) {
            openHere.add(record.id());
        } else {
            openHere.remove(record.id());
        }
    }

    /**
     * Marks the steps this process left unfinished as interrupted; called on Ctrl-C so the
     * journal shows where the run stopped.
     */
    public synchronized void interruptOpen() {
        Map<String, JournalRecord> newest = newest();
        for (String id : List.copyOf(openHere)) {
            JournalRecord r = newest.get(id);
            if (r != null) {
                append(r.next(clock.instant(), JournalRecord.State.interrupted, null,
                        "interrupted after state " + r.state()));
            }
        }
    }

    @Override
    public synchronized List<JournalRecord> history() {
        return new ArrayList<>(newest().values());
    }

    private Map<String, JournalRecord> newest() {
        Map<String, JournalRecord> byId = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return byId;
        }
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JournalRecord r = JSON.readValue(line, JournalRecord.class);
                    byId.put(r.id(), r);
                } catch (IOException e) {
                    throw new RunbookException(ExitCode.INTERNAL, "journal " + file + " line " + n + " is damaged: "
                            + e.getMessage().split("\n")[0], e);
                }
            }
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INTERNAL, "cannot read the journal " + file + ": " + e.getMessage(), e);
        }
        return byId;
    }
}

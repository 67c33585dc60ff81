package dev.virtuoso.rollback.adapter.files;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.MetricChart;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.IncidentRecords;
import dev.virtuoso.rollback.port.Journal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Incident records as folders {@code ROOT/<journal id>/}: each file written to a temporary name
 * and renamed into place, so a reader (or a capture cut short) never sees half a file.
 */
public final class IncidentFiles implements IncidentRecords {
    public static final String MARKDOWN = "incident.md";
    public static final String JSON = "incident.json";
    private final Path root;
    private final String chosenBy;
    private final Secret.Registry secrets;

    /**
     * {@code chosenBy}: how the user named {@code root} (--incident-dir, a variable), so a problem with it
     * is theirs to fix before anything changes; null for the default, whose problems are warnings. What
     * the records hold (the reason, log lines) leaves without {@code secrets}.
     */
    public IncidentFiles(Path root, String chosenBy, Secret.Registry secrets) {
        this.root = root;
        this.chosenBy = chosenBy;
        this.secrets = secrets;
    }

    @Override
    public void checkWritable() {
        if (chosenBy == null) {
            return;
        }
        String what = "incident directory (" + chosenBy + ")";
        Path abs = root.toAbsolutePath();
        Path parent = abs.getParent();
        if (Files.exists(abs) || Files.isSymbolicLink(abs) || parent == null || !Files.isDirectory(parent)) {
            LocalFiles.checkWritable(root, true, what);
            return;
        }
        // Not made yet: the check tries its parent with a file of its own rather than making and removing
        // the directory, which the regions of a fleet, checking at once, would remove under each other.
        try {
            Files.delete(Files.createTempFile(parent, ".rollback-", ".probe"));
        } catch (IOException e) {
            throw LocalFiles.problem(what, root, e);
        }
    }

    @Override
    public String where(String id) {
        return root.resolve(id) + "/";
    }

    @Override
    public void write(String id, String name, String text) {
        try {
            Path dir = Files.createDirectories(root.resolve(id));
            LocalFiles.replace(dir.resolve(name), to -> Files.writeString(to, secrets.redact(text),
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw LocalFiles.problem("incident record", root.resolve(id).resolve(name), e);
        }
    }

    @Override
    public void writeCharts(String id, MetricChart chart) {
        Path dir = root.resolve(id);
        try {
            Files.createDirectories(dir);
            IncidentCharts.write(chart, dir.resolve("metrics.png"), dir.resolve("metrics.svg"));
        } catch (IOException e) {
            throw LocalFiles.problem("incident charts", dir, e);
        }
    }

    @Override
    public Optional<Stored> read(String id) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        Path dir;
        try (Stream<Path> all = Files.list(root)) {
            Optional<Path> found = Journal.byId(all.filter(Files::isDirectory).sorted().toList(),
                    p -> p.getFileName().toString(), id, "incident records");
            if (found.isEmpty()) {
                return Optional.empty();
            }
            dir = found.get();
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INVALID_INPUT, "cannot read the incident records in " + root + ": "
                    + e.getMessage(), e);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .sorted().toList();
            Path md = dir.resolve(MARKDOWN);
            String text = Files.isRegularFile(md) ? Files.readString(md, StandardCharsets.UTF_8) : "";
            Path json = dir.resolve(JSON);
            return Optional.of(new Stored(dir.getFileName().toString(), dir + "/", names, text,
                    Files.isRegularFile(json) ? Files.readString(json, StandardCharsets.UTF_8) : null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

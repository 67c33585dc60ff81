package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.model.TrafficEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Small text layouts shared by plans and results. */
public final class Render {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");

    private Render() {
    }

    /** A plan's or a result's blocks: each title, then its lines indented below it. */
    public static List<String> blocks(List<Change.Block> blocks, String indent) {
        List<String> lines = new ArrayList<>();
        for (Change.Block b : blocks) {
            if (b instanceof Change.Traffic t) {
                lines.add(indent + t.title() + ":");
                lines.addAll(traffic(t.entries(), t.latestReady(), indent + "  "));
            } else if (b instanceof Change.Lines l) {
                lines.add(indent + l.title() + ":");
                l.lines().forEach(line -> lines.add(indent + "  " + line));
            }
        }
        return lines;
    }

    /** One line per traffic entry, LATEST shown with the revision it resolves to. */
    static List<String> traffic(List<TrafficEntry> entries, String latestReady, String indent) {
        List<String[]> rows = new ArrayList<>();
        for (TrafficEntry e : entries) {
            String name = e.latest() ? "LATEST (= " + latestReady + ")" : e.revision();
            rows.add(new String[] {name, e.percent() + "%", e.tag() == null ? "" : "tag " + e.tag()});
        }
        return table(rows, indent);
    }

    /** Left-aligned columns, two spaces apart, trailing blanks trimmed; colour codes take no width. */
    public static List<String> table(List<String[]> rows, String indent) {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], visible(r[i]));
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                b.append(r[i]);
                if (i + 1 < r.length) {
                    b.append(" ".repeat(width[i] + 2 - visible(r[i])));
                }
            }
            lines.add(b.toString().stripTrailing());
        }
        return lines;
    }

    /** {@code word} as a POSIX shell reads it back: bare when it is plain, else in single quotes. */
    public static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./:@%+=,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** {@code s}, or its first {@code max - 1} characters and "…" when it is longer; "" for null. */
    public static String cut(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.codePointCount(0, s.length()) <= max ? s : s.substring(0, s.offsetByCodePoints(0, Math.max(max - 1, 0)))
                + "…";
    }

    /** Width on screen: ANSI colour sequences print nothing. */
    public static int visible(String s) {
        String plain = ANSI.matcher(s).replaceAll("");
        return plain.codePointCount(0, plain.length());
    }
}

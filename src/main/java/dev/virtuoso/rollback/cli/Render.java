package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.TrafficEntry;
import java.util.ArrayList;
import java.util.List;

/** Small text layouts shared by plans and results. */
final class Render {
    private Render() {
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

    /** Left-aligned columns, two spaces apart, trailing blanks trimmed. */
    static List<String> table(List<String[]> rows, String indent) {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                b.append(i + 1 < r.length ? String.format("%-" + (width[i] + 2) + "s", r[i]) : r[i]);
            }
            lines.add(b.toString().stripTrailing());
        }
        return lines;
    }
}

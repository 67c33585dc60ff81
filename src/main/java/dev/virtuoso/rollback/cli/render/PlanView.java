package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.model.TrafficEntry;
import java.util.ArrayList;
import java.util.List;

/** A change's plan, shown before it is confirmed; its blocks (traffic now and after, ...) also show a result. */
public final class PlanView {
    private PlanView() {
    }

    /** "Plan for WHERE: SUMMARY", the change's blocks, then the notes. */
    public static List<String> lines(Change<?> change, List<String> notes, Style style) {
        List<String> lines = new ArrayList<>();
        lines.add(style.bold("Plan") + " for " + change.about().where() + ": " + change.about().summary());
        lines.addAll(blocks(change.preview(), "  "));
        notes.forEach(n -> lines.add("  " + style.warn("note:") + " " + n));
        return lines;
    }

    /** A plan's or a result's blocks: each title, then its lines indented below it. */
    static List<String> blocks(List<Change.Block> blocks, String indent) {
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
    private static List<String> traffic(List<TrafficEntry> entries, String latestReady, String indent) {
        List<String[]> rows = new ArrayList<>();
        for (TrafficEntry e : entries) {
            String name = e.latest() ? "LATEST (= " + latestReady + ")" : e.revision();
            rows.add(new String[] {name, e.percent() + "%", e.tag() == null ? "" : "tag " + e.tag()});
        }
        return Render.table(rows, indent);
    }
}

package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.change.JournalRecord;
import java.io.PrintWriter;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** `history`: the journal as a table, whole records with -v, or one record with the steps it took. */
public final class HistoryView {
    private static final DateTimeFormatter LOCAL_SHORT = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss");
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");
    /** A journal id in a command ({@code undo 20261206T211530Z-6b0d}), its short form in group 1. */
    private static final Pattern JOURNAL_ID = Pattern.compile("\\b\\d{8}T\\d{6}Z-([0-9a-f]+)\\b");

    private HistoryView() {
    }

    /**
     * One line per action, at most 100 columns (111 when an outcome takes two words): the short id,
     * local time, who, what was asked (journal ids in it short), from → to, the outcome, and whether a
     * person or automation acted; with -v, whole records.
     */
    public static int print(Output o, List<JournalRecord> shown, List<JournalRecord> all) {
        if (o.json()) {
            return o.print(new Output.Document(true).put("records", shown), 0);
        }
        PrintWriter out = o.out();
        if (shown.isEmpty()) {
            out.println("The journal is empty.");
        } else if (o.verbose()) {
            for (JournalRecord r : shown) {
                recordLines(o, r, all.stream().filter(step -> r.id().equals(step.parent())).toList());
                out.println();
            }
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "TIME", "WHO", "WHAT", "CHANGE", "OUTCOME", "BY"});
            for (JournalRecord r : shown) {
                rows.add(new String[] {shortId(r.id()), LOCAL_SHORT.format(r.time().atZone(o.zone())),
                        Render.cut(r.user(), 8), Render.cut(JOURNAL_ID.matcher(r.command()).replaceAll("$1"), 19),
                        Render.cut(change(r, true), 26), outcome(r),
                        r.origin() == null ? "manual" : r.origin().split(" ")[0]});
            }
            Render.table(rows, "").forEach(out::println);
            out.println(o.style().dim("`rollback history ID` shows a whole record; `rollback undo ID` reverses it"));
        }
        out.flush();
        return 0;
    }

    /** One journal record, whole, with the steps of a composite action (a drill). */
    public static int record(Output o, JournalRecord r, List<JournalRecord> steps) {
        if (o.json()) {
            return o.print(new Output.Document(true).put("record", r).put("steps", steps), 0);
        }
        recordLines(o, r, steps);
        o.out().flush();
        return 0;
    }

    private static void recordLines(Output o, JournalRecord r, List<JournalRecord> steps) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"id:", r.id()});
        rows.add(new String[] {"time:", LOCAL.format(r.time().atZone(o.zone())) + " (" + r.time() + ")"});
        rows.add(new String[] {"who:", r.user() + (r.origin() == null ? "" : ", by " + r.origin())});
        rows.add(new String[] {"what:", r.command()});
        if (r.reason() != null) {
            rows.add(new String[] {"why:", r.reason()});
        }
        if (r.incident() != null) {
            rows.add(new String[] {"incident:", r.incident()});
        }
        rows.add(new String[] {"target:", r.target()});
        if (r.from() != null || r.to() != null) {
            rows.add(new String[] {"change:", change(r, false)});
        }
        rows.add(new String[] {"outcome:", outcome(r) + (r.changed() ? " (changed something)" : " (changed nothing)")});
        if (r.detail() != null) {
            rows.add(new String[] {"detail:", r.detail()});
        }
        rows.add(new String[] {"before:", String.valueOf(r.before())});
        rows.add(new String[] {"after:", String.valueOf(r.after())});
        for (JournalRecord step : steps) {
            rows.add(new String[] {"step:", shortId(step.id()) + "  " + step.command() + "  " + change(step, false) + "  "
                    + outcome(step)});
        }
        Render.table(rows, "").forEach(o.out()::println);
    }

    /**
     * The state, and what it leaves out: a step that failed its checks or was interrupted may still be
     * in effect. The detail the journal keeps says so ("verification: 1/2 checks passed" after the
     * change was applied; "... the change was sent and is in effect" after an error).
     */
    private static String outcome(JournalRecord r) {
        if (r.outcome() == null) {
            return r.state().name();
        }
        return switch (r.outcome()) {
            case checksFailed -> "applied, checks failed";
            case notVerified -> "applied, not verified";
            case inEffect -> "interrupted, in effect";
        };
    }

    /**
     * "00003-ghi → 00002-def", "v1.2.0 → v1.1.0": revisions and images named like the service
     * without that name when {@code brief}.
     */
    private static String change(JournalRecord r, boolean brief) {
        if (r.from() == null && r.to() == null) {
            return "";
        }
        String service = r.target().substring(r.target().lastIndexOf('/') + 1);
        java.util.function.UnaryOperator<String> name = v -> v == null ? "-"
                : brief && v.length() > service.length() + 1 && v.startsWith(service)
                && "-:".indexOf(v.charAt(service.length())) >= 0 ? v.substring(service.length() + 1) : v;
        return name.apply(r.from()) + " → " + name.apply(r.to());
    }

    /** The part of an id after its time: what `history ID` and `undo ID` accept. */
    private static String shortId(String id) {
        return id.substring(id.lastIndexOf('-') + 1);
    }
}

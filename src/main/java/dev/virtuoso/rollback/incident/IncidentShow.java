package dev.virtuoso.rollback.incident;

import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.IncidentRecords;
import dev.virtuoso.rollback.port.Journal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `incident show`: a step's record found by its journal id (or the short form history shows). */
public final class IncidentShow {
    private static final Pattern REASON = Pattern.compile("(?m)^- \\*\\*Reason:\\*\\* (.*)$");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| (\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z) \\| "
            + "([a-z]+) \\| (.*) \\|$");

    private IncidentShow() {
    }

    /** A line of the record's timeline. */
    public record Event(String time, String event, String detail) {
    }

    /** What `incident show` prints; {@code reason} null when none was given. */
    public record Shown(String id, String dir, String reason, List<Event> timeline, List<String> files,
                        String markdown) {
    }

    /** Exit 2 when neither the journal nor the records know {@code id}. */
    public static Shown find(IncidentRecords records, Journal journal, String id) {
        String full = journal.find(id).map(JournalRecord::id).orElse(id);
        IncidentRecords.Stored stored = records.read(full).orElseThrow(() -> RunbookException.invalid(
                "no incident record " + id + " in " + records.where("").replaceFirst("/+$", "")
                        + "; `rollback history` lists the steps (--incident-dir names where records are kept)"));
        String md = stored.markdown();
        Matcher reason = REASON.matcher(md);
        List<Event> timeline = new ArrayList<>();
        Matcher row = ROW.matcher(md);
        while (row.find()) {
            timeline.add(new Event(row.group(1), row.group(2), row.group(3).replace("\\|", "|")));
        }
        return new Shown(stored.id(), stored.dir(), reason.find() && !reason.group(1).startsWith("(none given")
                ? reason.group(1) : null, timeline, stored.files(), md);
    }
}

package dev.virtuoso.rollback.cli.render;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.virtuoso.rollback.incident.IncidentShow;
import java.io.PrintWriter;
import java.util.List;

/** `incident show`: the record's incident.md as text and the files beside it; JSON: its parts. */
public final class IncidentView {
    private IncidentView() {
    }

    /** The JSON document's fields (incident.md's text is left to the file). */
    record Doc(String id, String dir, String reason, List<IncidentShow.Event> timeline, List<String> files,
               @JsonIgnore String markdown) {
    }

    public static int print(Output o, IncidentShow.Shown s) {
        if (o.json()) {
            return o.document(true, new Doc(s.id(), s.dir(), s.reason(), s.timeline(), s.files(), s.markdown()), 0);
        }
        PrintWriter out = o.out();
        out.print(s.markdown().isEmpty() ? "(no incident.md: the record was cut short)\n" : s.markdown());
        if (!s.markdown().endsWith("\n\n")) {
            out.println();
        }
        out.println("Files in " + s.dir() + ":");
        s.files().forEach(f -> out.println("  " + f));
        out.flush();
        return 0;
    }
}

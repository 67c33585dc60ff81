package dev.virtuoso.rollback.cli.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.IncidentRecords;
import java.io.PrintWriter;

/** `incident show`: the record's incident.md as text and the files beside it; JSON: its incident.json, its folder and the files in it. */
public final class IncidentView {
    private IncidentView() {
    }

    public static int print(Output o, IncidentRecords.Stored s) {
        if (o.json()) {
            if (s.json() == null) {
                throw RunbookException.invalid("the incident record " + s.id() + " has no incident.json (written by an "
                        + "older rollback); without -o json its incident.md is shown");
            }
            ObjectNode doc;
            try {
                doc = (ObjectNode) Json.mapper().readTree(s.json());
            } catch (JsonProcessingException | ClassCastException e) {
                throw RunbookException.invalid("cannot read " + s.dir() + "incident.json: " + e.getMessage());
            }
            doc.put("dir", s.dir());
            // incident.json's own "files" says what each file holds; this is what the folder has now.
            doc.set("dirFiles", Json.mapper().valueToTree(s.files()));
            return o.document(true, doc, 0);
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

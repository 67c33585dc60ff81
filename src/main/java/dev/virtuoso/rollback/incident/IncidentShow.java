package dev.virtuoso.rollback.incident;

import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.IncidentRecords;

/** `incident show`: a step's record found in the records' folder by its journal id (or the short form history shows). */
public final class IncidentShow {
    private IncidentShow() {
    }

    /** Exit 2 when the records hold no record {@code id}. Reads the folder only: no journal, no runbook. */
    public static IncidentRecords.Stored find(IncidentRecords records, String id) {
        return records.read(id).orElseThrow(() -> RunbookException.invalid("no incident record " + id + " in "
                + records.where("").replaceFirst("/+$", "") + "; `rollback history` lists the steps "
                + "(--incident-dir names where records are kept)"));
    }
}

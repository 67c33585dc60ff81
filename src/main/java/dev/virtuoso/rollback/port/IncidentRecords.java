package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.model.MetricChart;
import java.util.List;
import java.util.Optional;

/** Port: the incident records kept beside the user, one folder per journal step. */
public interface IncidentRecords {
    /** Exit 2 unless records can be written where the user named; leaves nothing behind (a probe file is removed). */
    @ReadOnly
    void checkWritable();

    /** Where the record of step {@code id} is (or would be), as shown to the user. */
    @ReadOnly
    String where(String id);

    /** Writes (or replaces) the file {@code name} of step {@code id}'s record. */
    @Mutating
    void write(String id, String name, String text);

    /** Draws {@code chart} as the record's metrics.png and metrics.svg. */
    @Mutating
    void writeCharts(String id, MetricChart chart);

    /** The record of step {@code id}, or of the one whose id ends with {@code -id}. */
    @ReadOnly
    Optional<Stored> read(String id);

    /**
     * A record as found: its step's id, its folder, its files (names, sorted), incident.md's text, and
     * incident.json's (null: the record has none, as those an older version wrote).
     */
    record Stored(String id, String dir, List<String> files, String markdown, String json) {
    }
}

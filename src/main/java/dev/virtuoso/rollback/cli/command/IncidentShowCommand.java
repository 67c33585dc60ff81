package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.IncidentView;
import dev.virtuoso.rollback.incident.IncidentShow;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", description = {"Print the incident record of a step: its incident.md (reason, timeline, "
    + "decision-matrix row, checks before and after, the post-rollback checklist) and the files beside it; "
    + "with -o json, its incident.json. Reads the records' folder only (--incident-dir, else "
    + "$ROLLBACK_INCIDENT_DIR, else incidents/): it needs neither the journal nor a runbook."},
        footer = {"", "Examples:", "  rollback incident show 6b0d", "  rollback incident show -o json 20261207T031500Z-6b0d"})
public final class IncidentShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The step's journal id (the short id history shows works).")
    String id;

    @Option(names = "--incident-dir", paramLabel = "DIR", description = "The folder the records are in (default: "
            + "$ROLLBACK_INCIDENT_DIR, else incidents/ in the current directory).")
    Path dir;

    @Override
    public Integer call() {
        Session s = Session.of(spec).readingIncidentsIn(dir);
        return IncidentView.print(s.output(), IncidentShow.find(s.incidents(), id));
    }
}

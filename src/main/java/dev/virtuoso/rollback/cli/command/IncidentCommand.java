package dev.virtuoso.rollback.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "incident", description = {"The incident records commands that change something keep: "
    + "incidents/<journal id>/ (or --incident-dir) with incident.md, metrics.svg, metrics.png and errors.jsonl."},
        subcommands = {IncidentShowCommand.class})
public final class IncidentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name what to do: `rollback incident show ID`");
    }
}

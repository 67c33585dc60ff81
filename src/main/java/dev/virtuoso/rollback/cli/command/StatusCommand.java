package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.StatusView;
import dev.virtuoso.rollback.model.Status;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", description = {
    "Show the service, its traffic split and its revisions.",
    "The URL, each traffic entry (revision, percent, tag, tag URL), whether the service is pinned, and the "
        + "revisions newest first (ready, serving percent, created, image). Changes nothing."})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        return StatusView.print(s.output(), Status.read(s.control(), s.target().service()));
    }
}

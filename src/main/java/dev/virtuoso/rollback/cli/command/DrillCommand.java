package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.adapter.files.DrillReports;
import dev.virtuoso.rollback.cli.ConsoleInteraction;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.SandboxSession;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.VersionProvider;
import dev.virtuoso.rollback.cli.render.DrillView;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.drill.Drill;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Notifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "drill", description = {
    "Rehearse a rollback and measure it (the monthly drill).",
    "Records the stable revision, routes 100%% to a known-bad revision, verifies and expects failure (time to "
        + "detect), rolls back quickly to the stable revision, verifies (time to recover), then restores the "
        + "original split. Writes a Markdown and a JSON report. Run it on staging."},
        footer = {"", "Examples:", "  rollback drill --sandbox                 (no cloud account needed)",
            "  rollback -r runbooks/virtuoso-api-staging.yaml \\",
            "      drill --bad-revision virtuoso-api-00042-bad"})
public final class DrillCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--bad-revision", paramLabel = "R", description = "A Ready revision known to fail the checks.")
    String badRevision;

    @Option(names = "--bad-image", paramLabel = "REF", description = "Deploy this image as the bad revision; the "
            + "restore leaves the service serving what it served (deploying the old image again if LATEST served).")
    String badImage;

    @Option(names = "--stable-revision", paramLabel = "R",
            description = "Revision to recover to (default: the one serving now, or the Ready one before the bad one).")
    String stableRevision;

    @Option(names = "--report", paramLabel = "DIR", defaultValue = "drills", description = "Report directory "
            + "(default ${DEFAULT-VALUE}), made when missing; the directory that holds it must exist. Checked before "
            + "the drill changes anything.")
    Path report;

    @Option(names = "--detect-timeout", paramLabel = "D", defaultValue = "2m",
            description = "How long to wait for the checks to notice the bad revision (default ${DEFAULT-VALUE}).")
    Duration detectTimeout;

    @Option(names = "--recover-timeout", paramLabel = "D", defaultValue = "5m",
            description = "How long to wait for the checks to pass again (default ${DEFAULT-VALUE}).")
    Duration recoverTimeout;

    @Option(names = "--sandbox", description = "Run against an embedded, in-process sandbox (implies --yes).")
    boolean sandbox;

    @Override
    public Integer call() {
        if (badImage != null && badRevision != null) {
            throw RunbookException.invalid("--bad-revision and --bad-image are two ways to name the bad revision: "
                    + "give one");
        }
        Session s = Session.of(spec);
        DrillReports.checkWritable(report);
        Durations.positive("--detect-timeout", detectTimeout);
        Durations.positive("--recover-timeout", recoverTimeout);
        if (sandbox) {
            try (SandboxSession sb = SandboxSession.start(s)) {
                return run(sb.session(), badRevision != null || badImage != null ? badRevision : sb.brokenRevision(),
                        true);
            }
        }
        if (badRevision == null && badImage == null) {
            throw RunbookException.invalid("name the known-bad revision with --bad-revision, or an image to deploy as "
                    + "one with --bad-image (or try --sandbox)");
        }
        return run(s, badRevision, false);
    }

    private int run(Session s, String bad, boolean inSandbox) {
        ConsoleInteraction ui = inSandbox ? s.ui().confirmed() : s.ui();
        Drill drill = new Drill(s.control(), s.secrets(), s.pipeline(ui.confirmed(), Notifier.NONE), s.verifier(),
                state -> s.verifyRequest(state, true, true), s.runbook().decisionMatrix(), ui, s.notifier(ui),
                s.waiting());
        Drill.Report ran = drill.run(new Drill.Request(s.target().service(), bad, badImage, stableRevision, detectTimeout,
                recoverTimeout, s.user(), s.runbookFile().map(Path::toString).orElse(inSandbox ? "sandbox.yaml (built in)"
                        : null), new VersionProvider().getVersion()[0]));
        // The in-process sandbox's journal is deleted with it: an id would send people looking for it.
        Drill.Report r = inSandbox ? ran.withoutJournal() : ran;
        if (r.dryRun()) {
            return DrillView.print(s.output(), r, List.of(), false, null);
        }
        boolean created = !Files.isDirectory(report);
        try {
            return DrillView.print(s.output(), r, DrillReports.write(r, report, s.ctx.secrets()), created, null);
        } catch (RunbookException e) {
            // The drill ran: its results are shown all the same, and the error says the report is missing.
            String problem = e.getMessage() + "; the drill ran and restored the original traffic" + (r.journalId()
                    == null ? "" : " (journal " + r.journalId() + ")") + ": its results are above";
            int code = DrillView.print(s.output(), r, List.of(), false, problem);
            s.ctx.err().println("error: " + problem);
            s.ctx.err().flush();
            return code;
        }
    }
}

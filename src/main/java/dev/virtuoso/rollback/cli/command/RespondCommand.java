package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.cli.ConsoleInteraction;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.RespondServer;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.RespondView;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.respond.Notification;
import dev.virtuoso.rollback.respond.Respond;
import dev.virtuoso.rollback.model.RunbookException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "respond", description = {
    "Act on a Cloud Monitoring incident notification: re-check the triggers, then roll back or notify.",
    "Reads the notification a webhook or Pub/Sub channel delivers (stdin, or --event FILE): the plain JSON "
        + "({\"version\": \"1.2\", \"incident\": {...}}) or a Pub/Sub push envelope ({\"message\": {\"data\": "
        + "\"<base64>\"}}). A closed incident, one about another service than the runbook's (one without "
        + "resource labels is taken to be about the runbook's service), one already answered "
        + "(the journal says so) or a service rolled back within triggers.window + sustain is left alone (exit 0, one "
        + "line why). Otherwise the triggers are judged now on the revision serving most traffic; when one fires, "
        + "a decision-matrix row that says to roll back (\"immediate rollback\", \"quick rollback\") runs `quick "
        + "--previous` (journaled with the incident, notified, verified; exit codes as for quick), any other row "
        + "only notifies. Whether the incident was answered is asked again under the service's lock, so a "
        + "message delivered twice rolls back once. --serve answers Pub/Sub push requests over HTTP instead."},
        footer = {"", "Examples:",
            "  rollback -r runbooks/virtuoso-api.yaml respond --yes < notification.json",
            "  rollback respond --event notification.json --dry-run",
            "  echo '{\"version\": \"1.2\", \"incident\": {\"incident_id\": \"0.abc\",' \\",
            "       '\"state\": \"open\", \"policy_name\": \"Auto Rollback\"}}' \\",
            "    | rollback respond --yes",
            "  printf '{\"message\": {\"data\": \"%%s\"}}' \"$(base64 < n.json | tr -d '\\n')\" \\",
            "    | rollback respond --yes -o json     # a Pub/Sub push envelope",
            "  PORT=8080 rollback -r runbooks/virtuoso-api.yaml respond --serve",
            "                                         # on Cloud Run, behind Pub/Sub push"})
public final class RespondCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--event", paramLabel = "FILE", description = "The notification: a file, or - for stdin (default).")
    String event;

    @Option(names = "--serve", description = "Serve HTTP on $PORT (default 8080): each POST body is a notification, "
            + "answered as `respond --yes` would (2xx: handled, or no notification at all; 5xx: deliver again); "
            + "GET / answers ok. One request at a time; Ctrl-C or SIGTERM stops it.")
    boolean serve;

    @Option(names = "--listen", paramLabel = "ADDR", description = "With --serve: the address to listen on. Default: "
            + "0.0.0.0 (every interface) on Cloud Run ($K_SERVICE set), else 127.0.0.1 only; the server asks no one "
            + "who they are, so expose it only behind something that does.")
    String listen;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        check();
        if (serve) {
            return RespondServer.serve(spec, event, listen);
        }
        Notification n = Notification.parse(read(s), event == null || "-".equals(event)
                ? "the notification on stdin" : event);
        Runbook book = s.runbook();
        ConsoleInteraction ui = s.ui();
        Notifier notifier = s.notifier(ui);
        Respond respond = new Respond(s.verification(), s.control(), s.journal(), notifier, s.pipeline(ui, notifier),
                (look, pipeline) -> AutomaticRollback.previous(s, look, pipeline,
                s.opts.yes && !s.dryRun()), s.ctx.clock(), ui);
        Respond.Result result = respond.run(new Respond.Request(n, s.target().service(), book.triggers(),
                book.decisionMatrix(), s.opts.reason()));
        s.report(result.action() + ": " + result.reason());
        return RespondView.print(s.output(), result);
    }

    /** Refuses options that do not go together (exit 2); a server checks its per-message line with it too. */
    public void check() {
        if (listen != null && !serve) {
            throw RunbookException.invalid("--listen goes only with --serve");
        }
    }

    /** The notification's text, from stdin or the file named; a file that cannot be read is exit 2. */
    private String read(Session s) {
        try {
            return event == null || "-".equals(event) ? s.ctx.in().lines().collect(Collectors.joining("\n"))
                    : Files.readString(Path.of(event));
        } catch (IOException | UncheckedIOException e) {
            throw RunbookException.invalid("--event " + event + " cannot be read (" + (e instanceof NoSuchFileException
                    ? "no such file" : e.getMessage()) + "); nothing was changed");
        }
    }

}

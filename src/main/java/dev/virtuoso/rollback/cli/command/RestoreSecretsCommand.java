package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.cli.render.ActionView;
import dev.virtuoso.rollback.restore.secrets.SecretRestore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "secrets", description = {
    "Make a Secret Manager secret serve an earlier version's value again.",
    "`latest` is the newest version whatever its state, and reading a disabled version fails: the written "
        + "runbook's \"disable version 2, enable version 1\" leaves every reader of `latest` unable to start.",
    "add-version (default): a new version holding the payload of --to-version, so `latest` serves the old "
        + "value; nothing is disabled or destroyed, the history stays.",
    "disable-newer: enable --to-version and disable every newer version. Refused while a serving revision reads "
        + "the secret as `latest`, or pins a version it would disable (--force goes on anyway).",
    "The service is read to say who reads the secret how: a pinned version is unaffected; an environment "
        + "variable is read at instance start (--redeploy starts the serving revision again as a new one); a "
        + "volume is read on each file read. Versions are never destroyed, payloads never shown. `rollback undo` "
        + "puts every version back as it was."},
        footer = {"", "Examples:", "  rollback restore secrets --secret virtuoso-api-key --to-version 2",
            "  rollback restore secrets --secret virtuoso-api-key --to-version 2 --redeploy --yes",
            "  rollback restore secrets --secret virtuoso-api-key --to-version 1 --strategy disable-newer"})
final class RestoreSecretsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--secret", paramLabel = "NAME", required = true,
            description = "The secret's id, in the service's project.")
    String secret;

    @Option(names = "--to-version", paramLabel = "N", required = true, description = "The version to serve again.")
    String version;

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "add-version",
            description = "add-version (default) or disable-newer.")
    String strategy;

    @Option(names = "--force", description = "disable-newer: go on although a serving revision reads the secret as "
            + "latest, or pins a version that is disabled (its new instances would not start). Also: redeploy although "
            + "the service is still applying a change this run did not send, which the redeploy replaces (without "
            + "--force that is a second question, and with --yes a refusal).")
    boolean force;

    @Option(names = "--redeploy", description = "When the serving revision reads the secret as latest through an "
            + "environment variable, start it again as a new revision (same image and configuration, same traffic) "
            + "so every instance reads the restored value; waits until it serves.")
    boolean redeploy;

    @Option(names = "--no-verify", description = "Skip the checks after the change (run only when the service "
            + "reads the secret as latest).")
    boolean noVerify;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        Change<?> change = SecretRestore.prepare(new SecretRestore.Request(s.target().service(), secret, version,
                SecretRestore.Strategy.parse(strategy), force, redeploy), s.secrets(), s.control(),
                s.ctx.clock().instant());
        return ActionView.print(s.output(),
                s.pipeline().forcing(force).execute(change, s.checksAfter(change, noVerify)));
    }
}

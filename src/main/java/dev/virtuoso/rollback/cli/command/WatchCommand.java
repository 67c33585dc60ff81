package dev.virtuoso.rollback.cli.command;

import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.cli.ConsoleInteraction;
import dev.virtuoso.rollback.cli.IncidentOptions;
import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.watch.Watch;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "watch", description = {
    "Judge the triggers on an interval; with --auto, roll back when one holds.",
    "Every --interval: the error rate and P95 of the revision serving the most traffic, from Cloud Monitoring, "
        + "against the runbook's triggers. With --auto, once a trigger has held for triggers.sustain, runs "
        + "`quick --previous` once (journaled, notified, verified, with its checks: it refuses a revision whose "
        + "pinned secret is gone, and never goes further back than a rollback of the last hour), then keeps "
        + "watching. A service changed within triggers.window + sustain (see `rollback history`) is never rolled "
        + "back automatically, so a restarted watch does not act twice. Ctrl-C stops (exit 130)."},
        footer = {"", "Example:", "  rollback -r runbooks/virtuoso-api.yaml \\", "      watch --auto --yes --interval 30s"})
public final class WatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** It changes something, so it keeps an incident record: where, and how far back it looks. */
    @Mixin
    IncidentOptions incident;

    @Option(names = "--interval", paramLabel = "D", defaultValue = "60s",
            description = "Time between evaluations, at least 1s (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--for", paramLabel = "D", description = "Stop after this long (default: until interrupted).")
    Duration duration;

    @Option(names = "--auto", description = "Roll back to the previous revision when a trigger holds for `sustain`.")
    boolean auto;

    @Override
    public Integer call() {
        Session s = Session.of(spec);
        if (!auto) {
            Stream.of("--incident-dir", "--since").filter(spec.commandLine().getParseResult()::hasMatchedOption)
                    .findFirst().ifPresent(option -> {
                        throw RunbookException.invalid(option + " goes only with --auto (a watch alone changes "
                                + "nothing, so it keeps no incident record)");
                    });
        }
        Watch.Request request = new Watch.Request(s.target().service(), interval, Optional.ofNullable(duration), auto,
                s.runbook().triggers(), s.runbook().decisionMatrix());
        ConsoleInteraction ui = s.ui();
        if (auto) {
            // Checked now, not when the trigger fires and no one is there to fix it.
            s.checkIncidentRecord();
            // Asked now, once, not at 3 a.m. when the trigger fires.
            ui.confirm("Roll " + s.target().service().name() + " back automatically when a trigger holds for "
                    + Durations.format(s.runbook().triggers().sustain()) + "?");
        }
        Watch watch = new Watch(s.verification(), s.control(), s.journal(), (look, trigger) -> rollback(s, ui.confirmed(), look,
                trigger),
                ui, s.waiting());
        Watch.Result r = watch.run(request);
        if (s.output().json()) {
            s.output().document(!r.firing(), r, 0);
        }
        return r.firing() ? ExitCode.VERIFICATION_FAILED.code() : 0;
    }

    /** `quick --previous --yes` for the {@code trigger} that held (after the person's --reason, if any). */
    private static ActionResult rollback(Session s, ConsoleInteraction confirmed, ServiceState look, String trigger) {
        String reason = s.opts.reason() == null ? trigger : s.opts.reason() + "; " + trigger;
        try {
            return AutomaticRollback.previous(s, look, s.pipeline(confirmed).by("watch --auto").because(reason), true);
        } finally {
            s.completeIncidentRecords();
        }
    }
}

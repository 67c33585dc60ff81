package dev.virtuoso.rollback.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = VersionProvider.class, usageHelpAutoWidth = true,
        description = {
            "Roll back a Google Cloud Run service and restore the data behind it, the way the team's Rollback "
                + "Plan says, safely: a plan before acting, a journal of every step, and a check after.", ""},
        footer = {"", "Exit codes: 0 ok or nothing to do, 1 bug, 2 invalid input (nothing changed), 3 checks "
            + "failed or trigger fired, 4 cloud API failure, 5 conflict (changed under us), 130 interrupted."},
        subcommands = {
            StatusCommand.class, QuickCommand.class, TagCommand.class, ImageCommand.class, GitCommand.class,
            RestoreCommand.class, VerifyCommand.class, AssessCommand.class, WatchCommand.class,
            AlertPolicyCommand.class, DrillCommand.class, HistoryCommand.class, UndoCommand.class,
            SandboxCommand.class, AutoComplete.GenerateCompletion.class})
public final class RootCommand implements Runnable {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    private final Context ctx;
    private final Wiring wiring;

    RootCommand(Context ctx, Wiring wiring) {
        this.ctx = ctx;
        this.wiring = wiring;
    }

    Session session() {
        return new Session(ctx, global, wiring);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing a command: rollback COMMAND, e.g. `rollback status` "
                + "(see `rollback --help`)");
    }
}

package dev.virtuoso.rollback.cli;

import java.util.LinkedHashMap;
import java.util.Map;
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
            + "failed or trigger fired, 4 cloud API failure, 5 conflict (changed under us), 130 interrupted."})
public final class RootCommand implements Runnable {
    /**
     * The commands by name, in the order help lists them. Picocli builds a command's model by
     * reflection, ~10 ms each on a cold JVM, so a command line that starts with a command's name
     * gets only that one (Cli); help, completion and errors at the top level get them all.
     */
    static final Map<String, Class<?>> COMMANDS = new LinkedHashMap<>();

    static {
        // Each name is its class's @Command name (CommandsTest checks).
        COMMANDS.put("status", StatusCommand.class);
        COMMANDS.put("quick", QuickCommand.class);
        COMMANDS.put("tag", TagCommand.class);
        COMMANDS.put("image", ImageCommand.class);
        COMMANDS.put("git", GitCommand.class);
        COMMANDS.put("restore", RestoreCommand.class);
        COMMANDS.put("verify", VerifyCommand.class);
        COMMANDS.put("assess", AssessCommand.class);
        COMMANDS.put("watch", WatchCommand.class);
        COMMANDS.put("alert-policy", AlertPolicyCommand.class);
        COMMANDS.put("drill", DrillCommand.class);
        COMMANDS.put("history", HistoryCommand.class);
        COMMANDS.put("undo", UndoCommand.class);
        COMMANDS.put("sandbox", SandboxCommand.class);
        COMMANDS.put("generate-completion", AutoComplete.GenerateCompletion.class);
    }

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

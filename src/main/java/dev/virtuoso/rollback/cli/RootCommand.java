package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.cli.command.AlertPolicyCommand;
import dev.virtuoso.rollback.cli.command.AssessCommand;
import dev.virtuoso.rollback.cli.command.DrillCommand;
import dev.virtuoso.rollback.cli.command.GitCommand;
import dev.virtuoso.rollback.cli.command.HistoryCommand;
import dev.virtuoso.rollback.cli.command.ImageCommand;
import dev.virtuoso.rollback.cli.command.QuickCommand;
import dev.virtuoso.rollback.cli.command.RespondCommand;
import dev.virtuoso.rollback.cli.command.RestoreCommand;
import dev.virtuoso.rollback.cli.command.StatusCommand;
import dev.virtuoso.rollback.cli.command.TagCommand;
import dev.virtuoso.rollback.cli.command.IncidentCommand;
import dev.virtuoso.rollback.cli.command.UndoCommand;
import dev.virtuoso.rollback.cli.command.VerifyCommand;
import dev.virtuoso.rollback.cli.command.WatchCommand;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
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
     * The commands by name, in the order help lists them. Picocli builds each command's model by
     * reflection as it is added, so a command line that starts with a command's name gets only that
     * one (Cli); help, completion and lines that start with an option get them all.
     */
    private static final String SANDBOX = "sandbox";
    static final Map<String, Class<?>> COMMANDS = commands();

    /** The command named {@code name}, or null when there is none. */
    static Class<?> command(String name) {
        Class<?> command = COMMANDS.get(name);
        return command == null && SANDBOX.equals(name) ? EmbeddedSandbox.provider().command() : command;
    }

    /** Every command, in the order help lists them. */
    static List<Class<?>> all() {
        List<Class<?>> all = new ArrayList<>();
        for (String name : COMMANDS.keySet()) {
            all.add(command(name));
        }
        return all;
    }

    private static Map<String, Class<?>> commands() {
        // Each name is its class's @Command name (CommandsTest checks).
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("status", StatusCommand.class);
        commands.put("quick", QuickCommand.class);
        commands.put("tag", TagCommand.class);
        commands.put("image", ImageCommand.class);
        commands.put("git", GitCommand.class);
        commands.put("restore", RestoreCommand.class);
        commands.put("verify", VerifyCommand.class);
        commands.put("assess", AssessCommand.class);
        commands.put("watch", WatchCommand.class);
        commands.put("respond", RespondCommand.class);
        commands.put("alert-policy", AlertPolicyCommand.class);
        commands.put("drill", DrillCommand.class);
        commands.put("history", HistoryCommand.class);
        commands.put("undo", UndoCommand.class);
        commands.put("incident", IncidentCommand.class);
        commands.put(SANDBOX, null); // the sandbox part of the jar names it: command(SANDBOX)
        commands.put("generate-completion", AutoComplete.GenerateCompletion.class);
        return Collections.unmodifiableMap(commands);
    }

    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    private final Context ctx;
    final Wiring wiring;
    /** Set when this command line runs as one region of a fleet. */
    final Fleet.Member member;

    RootCommand(Context ctx, Wiring wiring, Fleet.Member member) {
        this.ctx = ctx;
        this.wiring = wiring;
        this.member = member;
    }

    private Session session;

    /** The run's one session: the runbook is read once, whether the regions or the command read it first. */
    Session session() {
        if (session == null) {
            session = new Session(ctx, global, wiring, member);
        }
        return session;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing a command: rollback COMMAND, e.g. `rollback status` "
                + "(see `rollback --help`)");
    }
}

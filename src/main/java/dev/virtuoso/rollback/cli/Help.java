package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.config.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine;

/**
 * Help that teaches: a command's own options first, the options every command takes in a section
 * of their own, and read-only commands not advertising {@code --dry-run} and {@code --yes} (which
 * they still accept, as every command does).
 */
final class Help {
    /** Commands that change nothing, whatever their options. */
    static final Set<String> READ_ONLY = Set.of("status", "verify", "assess", "history", "sandbox",
            "generate-completion");
    private static final Set<String> ONLY_FOR_CHANGES = Set.of("--dry-run", "--yes");

    private Help() {
    }

    static void apply(CommandLine root) {
        layout(root);
    }

    private static void layout(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (READ_ONLY.contains(spec.name())) {
            for (OptionSpec o : List.copyOf(spec.options())) {
                if (ONLY_FOR_CHANGES.contains(o.longestName())) {
                    spec.remove(o);
                    spec.addOption(o.toBuilder().hidden(true).build());
                }
            }
        }
        spec.usageMessage().sectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> {
            List<OptionSpec> shown = spec.options().stream().filter(o -> !o.hidden()).toList();
            List<OptionSpec> own = shown.stream().filter(o -> !global(o)).toList();
            List<OptionSpec> global = shown.stream().filter(Help::global).toList();
            String globals = help.optionListExcludingGroups(global);
            return help.optionListExcludingGroups(own) + durations(help, own) + (globals.isBlank() ? ""
                    : System.lineSeparator() + "Global options (every command):" + System.lineSeparator() + globals);
        });
        cl.getSubcommands().values().forEach(Help::layout);
    }

    /** Under the options that take a duration, how one is written: the same for every option and the runbook. */
    private static String durations(CommandLine.Help help, List<OptionSpec> options) {
        if (options.stream().noneMatch(o -> o.type() == Duration.class)) {
            return "";
        }
        CommandLine.Help.TextTable text = CommandLine.Help.TextTable.forColumns(help.colorScheme(),
                new CommandLine.Help.Column(help.commandSpec().usageMessage().width(), 2,
                        CommandLine.Help.Column.Overflow.WRAP));
        text.addRowValues("D is a duration: " + Durations.GRAMMAR + ".");
        return System.lineSeparator() + text;
    }

    /** Declared once on the root and inherited by every command (GlobalOptions, help and version). */
    private static boolean global(OptionSpec o) {
        return o.scopeType() == CommandLine.ScopeType.INHERIT;
    }
}

package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.RunbookException;
import picocli.CommandLine.Model.CommandSpec;

/** Commands of SPEC 3 whose issues are still open: they parse their options and say so, exit 1. */
final class Pending {
    private Pending() {
    }

    static RunbookException notYet(CommandSpec spec) {
        return new RunbookException(ExitCode.INTERNAL, "`" + spec.qualifiedName(" ")
                + "` is not implemented yet in this build; nothing was changed");
    }
}

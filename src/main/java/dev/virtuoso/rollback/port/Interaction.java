package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.model.ExitCode;
import java.util.List;

/** Port: the person (or pipeline) running the command. */
public interface Interaction {
    /** The plan of {@code change}, with {@code notes} (the change's own, and the pipeline's). */
    void showPlan(Change<?> change, List<String> notes);

    /**
     * Returns when the user agreed (or {@code --yes} was given); otherwise throws an
     * {@link ExitCode#INVALID_INPUT} error: refused, or no terminal to ask on.
     */
    void confirm(String question);

    /** As {@link #confirm(String)}, but only typing {@code word} exactly agrees. */
    void confirmTyped(String question, String word);

    /** Shows the plan and confirms it; with no way to ask, fails before showing anything. */
    default void confirm(Change<?> change, List<String> notes) {
        showPlan(change, notes);
        confirmShown(change);
    }

    /**
     * As {@link #confirm(Change, List)} for a change made without a reason: between the plan and
     * its question, the person is asked why (on a terminal, unless turned off). Returns the line
     * typed; null when not asked or skipped.
     */
    default String confirmAskingWhy(Change<?> change, List<String> notes) {
        confirm(change, notes);
        return null;
    }

    /** The question of {@link #confirm(Change, List)} about a plan already shown. */
    default void confirmShown(Change<?> change) {
        Change.About it = change.about();
        if (it.confirmWord() != null) {
            confirmTyped("Type " + it.confirmWord() + " to apply this change to " + it.where() + ":", it.confirmWord());
        } else {
            confirm("Apply this change to " + it.where() + "?");
        }
    }

    /** Shows a plan of several steps and confirms it; with no way to ask, fails before showing anything. */
    default void confirm(List<String> plan, String question) {
        plan.forEach(this::info);
        confirm(question);
    }

    /**
     * True when the person answered every question already ({@code --yes}, or a whole confirmed
     * once): a question that needs a person (a risk they must accept) cannot be asked.
     */
    default boolean confirmedAlready() {
        return false;
    }

    Progress progress();

    /** A line of information during the run (not part of the final result). */
    void info(String message);
}

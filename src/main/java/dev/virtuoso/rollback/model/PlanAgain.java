package dev.virtuoso.rollback.model;

/**
 * The plan was made from a service someone else was changing at the time (this run waited for their
 * lock), so it no longer starts from what is there: nothing was sent, and the command plans again.
 * Exit 5 if it ever reaches the user.
 */
public final class PlanAgain extends RunbookException {
    public PlanAgain(String message) {
        super(ExitCode.CONFLICT, message);
    }
}

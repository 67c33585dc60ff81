package dev.virtuoso.rollback.model;

/**
 * The change was sent and accepted, then replaced by a later change this run did not send (another
 * engineer's, the console's) before it was in effect: exit 5, nothing of it in effect and nothing of
 * theirs overwritten. Unlike a conflict found before sending, the change did reach the resource,
 * which the journal must say (and undo must not then take the resource back over the later change).
 */
public final class ChangeReplaced extends RunbookException {
    public ChangeReplaced(String message) {
        super(ExitCode.CONFLICT, message);
    }
}

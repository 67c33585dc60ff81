package dev.virtuoso.rollback.runbook;

/**
 * One commit, as a plan shows it. {@code merge} when it has several parents: reverting it then
 * needs a mainline (the first parent, the branch it was merged into).
 */
public record Commit(String sha, String subject, String author, boolean merge) {
    /** Seven hex digits, as people quote a commit; the full {@link #sha} is what git is given. */
    public String shortSha() {
        return shortSha(sha);
    }

    public static String shortSha(String sha) {
        return sha.substring(0, Math.min(7, sha.length()));
    }
}

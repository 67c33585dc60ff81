package dev.virtuoso.rollback.model;

/**
 * One commit, as a plan shows it. {@code merge} when it has several parents: reverting it then
 * needs a mainline (the first parent, the branch it was merged into). {@code parent} is its first
 * parent (null for a root commit). {@code reverts} is the commit it undoes, when its message says
 * so as {@code git revert} writes it ("This reverts commit SHA.") and that commit is one of its
 * ancestors; else null.
 */
public record Commit(String sha, String subject, String author, boolean merge, String parent, String reverts) {
    /** Seven hex digits, as people quote a commit; the full {@link #sha} is what git is given. */
    public String shortSha() {
        return shortSha(sha);
    }

    public static String shortSha(String sha) {
        return sha.substring(0, Math.min(7, sha.length()));
    }

    /** {@code 1a2b3c4 "subject"}, as messages quote a commit. */
    public String quoted() {
        return shortSha() + " \"" + subject + "\"";
    }
}

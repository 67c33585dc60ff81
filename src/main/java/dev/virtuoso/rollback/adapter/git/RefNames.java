package dev.virtuoso.rollback.adapter.git;

import java.util.regex.Pattern;

/**
 * The checks made before a name reaches git at all. A name starting with {@code -} would be read
 * as an option ({@code --upload-pack=cmd} runs cmd), so it never gets that far; git's own rules
 * ({@code check-ref-format}, {@code rev-parse --verify}) come after, in {@link SystemGit}.
 */
final class RefNames {
    /** No ref, remote or revision expression contains these; they only make a message unreadable. */
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\s\\p{Cntrl}]");
    private static final int MAX = 255;

    private RefNames() {
    }

    static String branch(String name) {
        // check-ref-format --branch expands @{-1} to the branch checked out before: a name, not a ref.
        return require(name, "a valid branch name", !name.contains("@{"));
    }

    static String remote(String name) {
        return require(name, "a remote name", true);
    }

    static String commit(String ref) {
        return require(ref, "a commit", true);
    }

    private static String require(String name, String what, boolean ok) {
        if (name != null && name.startsWith("-")) {
            throw GitErrors.invalid("'" + name + "' is not " + what + ": it starts with '-', which git would read as an "
                    + "option");
        }
        if (name == null || name.isEmpty() || name.length() > MAX || UNPRINTABLE.matcher(name).find() || !ok) {
            throw GitErrors.invalid("'" + name + "' is not " + what);
        }
        return name;
    }
}

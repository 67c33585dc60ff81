package dev.virtuoso.rollback.config;

import dev.virtuoso.rollback.model.RunbookException;
import java.util.regex.Pattern;

/**
 * Where a journal a team shares lives: {@code gs://BUCKET[/PREFIX]}. Its records go under
 * {@code PREFIX/records/} and the services' locks under {@code PREFIX/locks/}.
 */
public record SharedJournal(String bucket, String prefix) {
    /** Cloud Storage's bucket names: 3-63 lower-case letters, digits, '-', '_' and '.', a letter or digit at each end. */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");

    /** {@code value} read, or exit 2 naming {@code where} it came from ("ROLLBACK_JOURNAL", "the runbook's journal"). */
    public static SharedJournal parse(String value, String where) {
        String problem = problem(value);
        if (problem != null) {
            throw RunbookException.invalid(where + " " + problem);
        }
        String rest = value.strip().substring("gs://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? new SharedJournal(rest, "") : new SharedJournal(rest.substring(0, slash),
                trimSlashes(rest.substring(slash + 1)));
    }

    /** Why {@code value} is no {@code gs://BUCKET[/PREFIX]}, or null when it is one. */
    public static String problem(String value) {
        String v = value == null ? "" : value.strip();
        String expected = "must be gs://BUCKET or gs://BUCKET/PREFIX, not '" + value + "'";
        if (!v.startsWith("gs://")) {
            return expected;
        }
        String rest = v.substring("gs://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        if (!BUCKET.matcher(bucket).matches()) {
            return expected + " ('" + bucket + "' is not a bucket name)";
        }
        String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
        if (prefix.contains("//") || prefix.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return expected + " (the prefix has an empty part or a control character)";
        }
        return null;
    }

    private static String trimSlashes(String s) {
        return s.replaceAll("^/+|/+$", "");
    }
}

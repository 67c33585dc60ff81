package dev.virtuoso.rollback.runbook;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in runbooks and flags: {@code 300ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}. */
public final class Durations {
    private static final Pattern TEXT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = TEXT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 300ms, 10s, 5m, 2h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * {@code d}, or exit 2 naming {@code option} when it is zero or negative: a wait that long gives up
     * at once, after the change it waits for was sent. Checked before anything changes.
     */
    public static Duration positive(String option, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw RunbookException.invalid(option + " must be positive, not " + format(d));
        }
        return d;
    }

    /** Short human form: 850ms, 1.2s, 5m, 2h 5m. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 3600) {
            return s % 60 == 0 ? (s / 60) + "m" : (s / 60) + "m " + (s % 60) + "s";
        }
        return s % 3600 == 0 ? (s / 3600) + "h" : (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }
}

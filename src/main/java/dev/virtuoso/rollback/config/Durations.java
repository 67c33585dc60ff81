package dev.virtuoso.rollback.config;

import dev.virtuoso.rollback.model.RunbookException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in runbooks and flags, one grammar for all: a number and a unit
 * ({@code 300ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}), or several of them from the
 * largest unit down, each unit once ({@code 1h30m}, {@code 1d12h}, {@code 2m30s500ms}). At most
 * {@link #MAX}: a longer one is refused here, so that nothing overflows later, when it is added to
 * now, held in nanoseconds (which stop at 292 years) or turned into epoch millis.
 */
public final class Durations {
    /** The longest duration taken, about 273 years. */
    public static final Duration MAX = Duration.ofDays(100_000);
    /** The limit, as error messages say it. */
    public static final String AT_MOST = "a duration is at most " + MAX.toDays() + "d";
    /** The grammar in a few words, for help. */
    public static final String GRAMMAR = "a number and a unit (ms, s, m, h, d), or several from the largest unit down, "
            + "each once: 1h30m, 1d12h, 2m30s500ms; at most " + MAX.toDays() + "d";
    private static final Pattern TEXT = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
    private static final long[] UNIT_MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};

    private Durations() {
    }

    /** A duration longer than {@link #MAX}, or too long to count in milliseconds at all. */
    public static final class TooLong extends IllegalArgumentException {
        TooLong(String text) {
            super("'" + text + "' is too long: " + AT_MOST);
        }
    }

    /** {@code text} as a duration; {@link TooLong} when it is longer than {@link #MAX}, else IllegalArgumentException. */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip();
        Matcher m = TEXT.matcher(t);
        if (t.isEmpty() || !m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 300ms, 10s, 5m, 2h, 1d or "
                    + "1h30m: units from the largest down, each once)");
        }
        long millis = 0;
        try {
            for (int i = 0; i < UNIT_MILLIS.length; i++) {
                if (m.group(i + 1) != null) {
                    millis = Math.addExact(millis, Math.multiplyExact(Long.parseLong(m.group(i + 1)), UNIT_MILLIS[i]));
                }
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new TooLong(text);
        }
        Duration d = Duration.ofMillis(millis);
        if (d.compareTo(MAX) > 0) {
            throw new TooLong(text);
        }
        return d;
    }

    /** True when {@code text} is written as a duration, whatever its length. */
    public static boolean written(String text) {
        return text != null && !text.isBlank() && TEXT.matcher(text.strip()).matches();
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

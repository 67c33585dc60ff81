package dev.virtuoso.rollback.cli.render;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Small text layouts every renderer shares: columns, widths on screen, cuts, shell words. */
public final class Render {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");

    private Render() {
    }

    /**
     * Left-aligned columns, two spaces apart, trailing blanks trimmed; colour codes take no width.
     * Not picocli's {@code Help.TextTable}: it reads "@|style text|@" in every cell as its markup (a check
     * name, a command or an API's message could hold it), counts our colour codes as width, and closes
     * a colour with its own reset codes, so the same rows would not print the same.
     */
    public static List<String> table(List<String[]> rows, String indent) {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], visible(r[i]));
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                b.append(r[i]);
                if (i + 1 < r.length) {
                    b.append(" ".repeat(width[i] + 2 - visible(r[i])));
                }
            }
            lines.add(b.toString().stripTrailing());
        }
        return lines;
    }

    /** {@code word} as a POSIX shell reads it back: bare when it is plain, else in single quotes. */
    public static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./:@%+=,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** {@code s}, or its first {@code max - 1} characters and "…" when it is longer; "" for null. */
    public static String cut(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.codePointCount(0, s.length()) <= max ? s : s.substring(0, s.offsetByCodePoints(0, Math.max(max - 1, 0)))
                + "…";
    }

    /** Width on screen: ANSI colour sequences print nothing. */
    public static int visible(String s) {
        String plain = ANSI.matcher(s).replaceAll("");
        return plain.codePointCount(0, plain.length());
    }
}

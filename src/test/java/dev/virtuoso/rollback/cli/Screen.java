package dev.virtuoso.rollback.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * What a terminal {@code columns} wide shows after some output, as xterm does it: a character
 * past the last column starts a new row (the line wraps), {@code \r} returns to the start of the
 * cursor's row only, {@code \n} starts the next row, {@code ESC[K} erases to the end of the row and
 * {@code ESC[2K} the whole row, {@code ESC[nF} goes to the start of the row n above; colour codes print
 * nothing.
 */
final class Screen {
    private Screen() {
    }

    /** The rows shown, trailing blanks trimmed. */
    static List<String> rows(String written, int columns) {
        List<StringBuilder> rows = new ArrayList<>();
        rows.add(new StringBuilder());
        int row = 0;
        int col = 0;
        for (int i = 0; i < written.length(); ) {
            int c = written.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\u001b' && i < written.length() && written.charAt(i) == '[') {
                int end = i + 1;
                while (end < written.length() && !Character.isLetter(written.charAt(end))) {
                    end++;
                }
                String params = written.substring(i + 1, end);
                char command = written.charAt(end);
                i = end + 1;
                StringBuilder line = rows.get(row);
                if (command == 'F') {
                    row = Math.max(0, row - (params.isEmpty() ? 1 : Integer.parseInt(params)));
                    col = 0;
                } else if (command == 'K' && params.equals("2")) {
                    line.replace(0, line.length(), " ".repeat(line.length()));
                } else if (command == 'K') {
                    line.setLength(Math.min(line.length(), col));
                }
                continue;
            }
            if (c == '\r') {
                col = 0;
            } else if (c == '\n') {
                row = next(rows, row);
                col = 0;
            } else {
                if (col == columns) {
                    row = next(rows, row);
                    col = 0;
                }
                StringBuilder line = rows.get(row);
                while (line.length() < col) {
                    line.append(' ');
                }
                String ch = new String(Character.toChars(c));
                if (col < line.length()) {
                    line.replace(col, col + 1, ch);
                } else {
                    line.append(ch);
                }
                col++;
            }
        }
        List<String> shown = new ArrayList<>();
        rows.forEach(r -> shown.add(r.toString().stripTrailing()));
        while (!shown.isEmpty() && shown.get(shown.size() - 1).isEmpty()) {
            shown.remove(shown.size() - 1);
        }
        return shown;
    }

    private static int next(List<StringBuilder> rows, int row) {
        if (row + 1 == rows.size()) {
            rows.add(new StringBuilder());
        }
        return row + 1;
    }
}

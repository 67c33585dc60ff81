package dev.virtuoso.rollback.cli.render;

/** ANSI colour for terminals; plain text when piped, with --no-color or NO_COLOR. */
public record Style(boolean color) {
    String ok(String s) {
        return paint("32", s);
    }

    String bad(String s) {
        return paint("31", s);
    }

    public String warn(String s) {
        return paint("33", s);
    }

    public String bold(String s) {
        return paint("1", s);
    }

    String dim(String s) {
        return paint("2", s);
    }

    private String paint(String code, String s) {
        return color ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }
}

package dev.virtuoso.rollback.adapter.git;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Every error of this package is made here, so each is one line with credentials removed: git
 * prints remote URLs as configured, and {@code https://user:token@host} is a common one.
 */
final class GitErrors {
    private static final Pattern ESCAPE = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    /** Said by every failed push; the line before or after it says why. */
    private static final String FAILED_TO_PUSH = "failed to push some refs";
    /** Git's part of a message; ours (names, commands to run) is never cut. */
    private static final int MAX = 200;

    private GitErrors() {
    }

    /** Nothing was changed: the repository, a name or a commit is not usable as given. */
    static RunbookException invalid(String message) {
        return new RunbookException(ExitCode.INVALID_INPUT, oneLine(message));
    }

    /** The remote could not be reached or refused. */
    static RunbookException remote(String message) {
        return new RunbookException(ExitCode.API_FAILURE, oneLine(message));
    }

    /** A failed git run the caller has no better words for: {@code what} and git's reason. */
    static RunbookException failed(ExitCode code, String what, Git.Result result) {
        return new RunbookException(code, oneLine(what + ": " + reason(result.err())));
    }

    static RunbookException notStarted(IOException e) {
        return invalid("could not start git (" + e.getMessage() + "): install git or put it on PATH");
    }

    static RunbookException timedOut(String subcommand, String limit) {
        return remote("git " + subcommand + " did not finish within " + limit + " and was stopped");
    }

    static RunbookException interrupted(String subcommand) {
        return new RunbookException(ExitCode.INTERRUPTED, "interrupted while git " + subcommand + " was running");
    }

    /**
     * The line of git's stderr that says what went wrong: the first {@code fatal:} or
     * {@code error:} line (not the generic "failed to push"), else the first line that is not a
     * hint. Remote lines ({@code remote: ...}, what a hook printed) are kept: they are the reason.
     */
    static String reason(String stderr) {
        List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isBlank())
                .filter(l -> !l.startsWith("hint:")).toList();
        return lines.stream().filter(l -> l.startsWith("fatal: ") || l.startsWith("error: "))
                .filter(l -> !l.contains(FAILED_TO_PUSH)).findFirst()
                .or(() -> lines.stream().filter(l -> !l.contains(FAILED_TO_PUSH)).findFirst())
                .map(l -> cut(l.replaceFirst("^(fatal|error): ", "")))
                .orElse("git said nothing");
    }

    /** The first thing a remote (its hook) printed, without git's {@code remote: } prefix. */
    static String remoteSaid(String stderr) {
        return stderr.lines().map(String::strip).filter(l -> l.startsWith("remote:"))
                .map(l -> l.substring("remote:".length()).trim().replaceFirst("^(?i)(fatal|error): ", ""))
                .filter(l -> !l.isBlank()).findFirst().map(GitErrors::cut).orElse("");
    }

    /** {@code https://user:token@host/x} → {@code https://***@host/x}; a user name alone can be a token too. */
    static String redact(String s) {
        return Secret.withoutUrlCredentials(s);
    }

    /**
     * One printable line, for anything from git shown to a person: git pads remote lines with
     * spaces, and a hook's output or a commit subject may hold terminal escape sequences.
     */
    static String oneLine(String s) {
        String printable = CONTROL.matcher(ESCAPE.matcher(s).replaceAll("")).replaceAll(" ");
        return redact(printable).replaceAll(" {2,}", " ").trim();
    }

    /** Redacted before it is cut: a cut URL might no longer look like one. */
    private static String cut(String line) {
        String safe = oneLine(line);
        return safe.length() > MAX ? safe.substring(0, MAX) + "…" : safe;
    }
}

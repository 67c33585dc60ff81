package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The spinner on a terminal, read off the screen a terminal of that width shows: stdout and stderr
 * interleaved, long lines wrapped, carriage returns and erases applied.
 */
class TerminalProgressTest {
    private static final String SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private CliHarness.Result restoreOnATerminal(int columns, String... more) {
        cli.interactive = true;
        List<String> args = new java.util.ArrayList<>(List.of("-r", "runbooks/sandbox.yaml", "restore", "bigquery",
                "--table", "analytics.command_executions", "--at", "-2h", "--yes"));
        args.addAll(List.of(more));
        return cli.run(Map.of("COLUMNS", Integer.toString(columns)), args.toArray(String[]::new));
    }

    /** Each spinner frame as written: what follows a carriage return or a newline, from a spinner character on. */
    private static List<String> frames(String written) {
        return java.util.Arrays.stream(written.replace("\u001b[K", "").split("[\r\n]"))
                .filter(piece -> !piece.isEmpty() && SPINNER.indexOf(piece.charAt(0)) >= 0).toList();
    }

    private static List<String> spinnerRows(List<String> screen) {
        return screen.stream().filter(row -> row.chars().anyMatch(c -> SPINNER.indexOf(c) >= 0)).toList();
    }

    @Test
    void theResultStartsOnALineOfItsOwnAndNoSpinnerFrameIsLeftOnTheScreen() {
        CliHarness.Result r = restoreOnATerminal(200);

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        // The spinner did draw: its frames are in what was written, erased since.
        assertThat(frames(r.terminal())).anyMatch(frame -> frame.endsWith(" 3/3 count the rows of analytics.command_executions"));
        List<String> screen = Screen.rows(r.terminal(), 200);
        assertThat(spinnerRows(screen)).as(String.join("\n", screen)).isEmpty();
        assertThat(screen).anyMatch(row -> row.startsWith("✓ restore analytics.command_executions to "));
    }

    @Test
    void framesLongerThanTheTerminalAreCutToItsWidthSoNoStaleRowPilesUp() {
        CliHarness.Result r = restoreOnATerminal(60);

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        // "1/3 snapshot analytics.command_executions as command_executions_pre_restore_<time>" is longer.
        assertThat(frames(r.terminal())).contains("⠋ 1/3 snapshot analytics.command_executions as command_exe…")
                .allMatch(frame -> frame.codePointCount(0, frame.length()) < 60);
        List<String> screen = Screen.rows(r.terminal(), 60);
        assertThat(spinnerRows(screen)).as(String.join("\n", screen)).isEmpty();
    }

    @Test
    void withoutColourTheFramesAreClearedWithSpacesNotEscapeCodes() {
        CliHarness.Result r = restoreOnATerminal(60, "--no-color");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.terminal()).doesNotContain("\u001b[");
        List<String> screen = Screen.rows(r.terminal(), 60);
        assertThat(spinnerRows(screen)).as(String.join("\n", screen)).isEmpty();
        assertThat(screen).anyMatch(row -> row.startsWith("✓ restore analytics.command_executions to "));
    }

    @Test
    void anErrorAfterAWaitStartsOnALineOfItsOwn() {
        String bad = dev.virtuoso.rollback.sandbox.Sandbox.IMAGE + ":v0.9.9";
        cli.controls.imageFailsToStart(bad);
        cli.interactive = true;

        CliHarness.Result r = cli.run(Map.of("COLUMNS", "100"), "-r", "runbooks/sandbox.yaml", "image", "--image", bad,
                "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(frames(r.terminal())).isNotEmpty();
        List<String> screen = Screen.rows(r.terminal(), 100);
        assertThat(spinnerRows(screen)).as(String.join("\n", screen)).isEmpty();
        assertThat(screen).anyMatch(row -> row.startsWith("error: Cloud Run: "));
    }
}

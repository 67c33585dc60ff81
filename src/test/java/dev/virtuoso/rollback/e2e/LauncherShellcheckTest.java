package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher is a POSIX sh script run on machines we do not know: shellcheck, at its strictest
 * severity and for plain sh, finds nothing in it (no unquoted path that a space would split, no
 * bash-only construct).
 */
class LauncherShellcheckTest {
    static final Path LAUNCHER = Path.of("src/main/launcher/rollback");

    @Test
    void shellcheckFindsNothingInTheLauncherAsPosixSh() throws Exception {
        assertThat(Files.readAllLines(LAUNCHER).get(0)).isEqualTo("#!/bin/sh");
        List<String> command = List.of("shellcheck", "--shell=sh", "--severity=style", "--format=gcc",
                LAUNCHER.toString());
        TestTools.require("shellcheck", "shellcheck", "the launcher was");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String findings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(findings).as("shellcheck findings").isEmpty();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
    }
}

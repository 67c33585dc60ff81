package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class TestToolsTest {
    @TempDir
    Path bin;

    @Test
    void aMissingToolAbortsTheTestNamingTheToolAndItsDebianPackage() {
        assertThatThrownBy(() -> TestTools.require(Map.of("PATH", bin.toString()), "shellcheck", "shellcheck",
                "the launcher was"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageStartingWith("shellcheck is not installed, so the launcher was not checked: install it "
                        + "(Debian/Ubuntu: apt-get install shellcheck)");
    }

    @Test
    void aMissingToolFailsTheTestWhenTheEnvironmentRequiresTheTools() {
        assertThatThrownBy(() -> TestTools.require(Map.of("PATH", bin.toString(), "ROLLBACK_TEST_TOOLS", "required"),
                "man", "man-db", "the man pages were"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith("man is not installed, so the man pages were not checked: install it "
                        + "(Debian/Ubuntu: apt-get install man-db)")
                .hasMessageContaining("ROLLBACK_TEST_TOOLS=required");
    }

    @Test
    void anExecutableOnThePathLetsTheTestRunEvenWhenTheToolsAreRequired() throws Exception {
        Path node = Files.writeString(bin.resolve("node"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatCode(() -> TestTools.require(Map.of("PATH", "/nonexistent:" + bin, "ROLLBACK_TEST_TOOLS",
                "required"), "node", "nodejs", "the workflows were")).doesNotThrowAnyException();
    }

    @Test
    void aFileThatIsNotExecutableDoesNotCountAsTheTool() throws Exception {
        Files.writeString(bin.resolve("node"), "not a program\n");
        assertThatThrownBy(() -> TestTools.require(Map.of("PATH", bin.toString()), "node", "nodejs",
                "the workflows were")).isInstanceOf(TestAbortedException.class);
    }

    @Test
    void anUnreadyPrerequisiteAbortsByDefaultAndFailsWhenRequired() {
        assertThatThrownBy(() -> TestTools.require(Map.of(), false, "actionlint is not installed"))
                .isInstanceOf(TestAbortedException.class).hasMessageStartingWith("actionlint is not installed");
        assertThatThrownBy(() -> TestTools.require(Map.of("ROLLBACK_TEST_TOOLS", "required"), false,
                "actionlint is not installed"))
                .isInstanceOf(AssertionFailedError.class).hasMessageStartingWith("actionlint is not installed");
    }
}

package dev.virtuoso.rollback.e2e;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

/**
 * Programs some tests run that a machine with only Java 17 lacks (shellcheck, man, node): the build must pass there,
 * so without one such a test is aborted (reported as skipped), with the program and the Debian package that brings
 * it. Where they are installed on purpose (.ci/run sets ROLLBACK_TEST_TOOLS=required), a missing one fails the test
 * instead, so a check that never ran cannot pass unnoticed.
 */
public final class TestTools {
    /** The environment variable; its value "required" turns a missing tool into a failure. */
    public static final String POLICY = "ROLLBACK_TEST_TOOLS";

    private TestTools() {
    }

    /**
     * Returns when {@code command} is on the PATH; otherwise aborts or fails the calling test, saying that
     * {@code unchecked} was not checked and that {@code debianPackage} brings the command.
     */
    public static void require(String command, String debianPackage, String unchecked) {
        require(System.getenv(), command, debianPackage, unchecked);
    }

    /** Returns when {@code ready}; otherwise aborts or fails the calling test with {@code why}. */
    public static void require(boolean ready, String why) {
        require(System.getenv(), ready, why);
    }

    static void require(Map<String, String> env, String command, String debianPackage, String unchecked) {
        require(env, onPath(env.getOrDefault("PATH", ""), command), command + " is not installed, so " + unchecked
                + " not checked: install it (Debian/Ubuntu: apt-get install " + debianPackage + ")");
    }

    static void require(Map<String, String> env, boolean ready, String why) {
        if (ready) {
            return;
        }
        if ("required".equals(env.get(POLICY))) {
            throw new AssertionFailedError(why + " [" + POLICY + "=required]");
        }
        Assumptions.abort(why + " [set " + POLICY + "=required to make this a failure]");
    }

    static boolean onPath(String path, String command) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, command);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return true;
                }
            }
        }
        return false;
    }
}

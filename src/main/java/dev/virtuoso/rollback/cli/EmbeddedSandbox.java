package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The emulated Google APIs that `rollback sandbox` serves and `drill --sandbox` runs in this process.
 * They live in their own part of the tree, which the product reaches only through this interface
 * and {@link ServiceLoader}: no product class depends on an emulator, so nothing written for the
 * sandbox can leak into what runs against Google.
 */
public interface EmbeddedSandbox extends AutoCloseable {
    /** What the sandbox part of the jar offers: its command, and a sandbox started in this process. */
    interface Provider {
        Class<?> command();

        EmbeddedSandbox start();
    }

    static Provider provider() {
        return ServiceLoader.load(Provider.class, Provider.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new RunbookException(ExitCode.INTERNAL, "this build has no sandbox"));
    }

    /** The environment that points the Google clients at the emulators. */
    Map<String, String> emulatorVariables();

    /** The image of the sandbox's known-bad revision. */
    String brokenImage();

    @Override
    void close();
}

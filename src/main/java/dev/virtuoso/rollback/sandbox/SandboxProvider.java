package dev.virtuoso.rollback.sandbox;

import dev.virtuoso.rollback.cli.EmbeddedSandbox;
import java.util.Map;

/** The sandbox as the product finds it (META-INF/services): the `sandbox` command and an in-process sandbox. */
public final class SandboxProvider implements EmbeddedSandbox.Provider {
    @Override
    public Class<?> command() {
        return SandboxCommand.class;
    }

    @Override
    public EmbeddedSandbox start() {
        Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults());
        return new EmbeddedSandbox() {
            @Override
            public Map<String, String> emulatorVariables() {
                return sandbox.emulatorVariables();
            }

            @Override
            public String brokenImage() {
                return Sandbox.BROKEN_IMAGE;
            }

            @Override
            public void close() {
                sandbox.close();
            }
        };
    }
}

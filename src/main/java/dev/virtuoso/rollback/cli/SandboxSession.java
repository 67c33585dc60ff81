package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.ExitCode;
import dev.virtuoso.rollback.runbook.Revision;
import dev.virtuoso.rollback.runbook.Runbook;
import dev.virtuoso.rollback.runbook.RunbookException;
import dev.virtuoso.rollback.runbook.RunbookLoader;
import dev.virtuoso.rollback.sandbox.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * An in-process sandbox and a session wired to it through the emulator variables, so the
 * commands run through the real Google clients exactly as against `rollback sandbox`.
 * Its journal is a throwaway one: the sandbox is gone when the command ends.
 */
final class SandboxSession implements AutoCloseable {
    static final String RUNBOOK = "/runbooks/sandbox.yaml";

    private final Sandbox sandbox;
    private final Wiring wiring;
    private final Session session;
    private final Path home;

    private SandboxSession(Sandbox sandbox, Wiring wiring, Session session, Path home) {
        this.sandbox = sandbox;
        this.wiring = wiring;
        this.session = session;
        this.home = home;
    }

    static SandboxSession start(Session outer) {
        Path home;
        try {
            home = Files.createTempDirectory("rollback-sandbox-");
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INTERNAL, "cannot create a sandbox directory: " + e.getMessage(), e);
        }
        Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults());
        Map<String, String> env = new HashMap<>(sandbox.emulatorVariables());
        env.put("ROLLBACK_HOME", home.toString());
        env.put("ROLLBACK_RUNBOOK", ""); // the sandbox's runbook is built in
        // The user's gcloud defaults name their own project and region, not the sandbox's.
        for (String v : new String[] {"CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_RUN_REGION"}) {
            env.put(v, "");
        }
        env.put("CLOUDSDK_CONFIG", home.toString());
        Wiring wiring = new Wiring(outer.ctx.withEnv(env));
        return new SandboxSession(sandbox, wiring, outer.with(wiring, runbook()), home);
    }

    static Runbook runbook() {
        try (InputStream in = SandboxSession.class.getResourceAsStream(RUNBOOK)) {
            return new RunbookLoader().parse("sandbox.yaml (built in)", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException | NullPointerException e) {
            throw new RunbookException(ExitCode.INTERNAL, "the built-in sandbox runbook is missing from the jar", e);
        }
    }

    Session session() {
        return session;
    }

    /** The sandbox's known-bad revision, found through the Cloud Run API like any other. */
    String brokenRevision() {
        return session.control().revisions(session.target().service()).stream()
                .filter(r -> r.ready() && Sandbox.BROKEN_IMAGE.equals(r.image()))
                .max(Comparator.comparing(Revision::created)).map(Revision::name)
                .orElseThrow(() -> new RunbookException(ExitCode.INTERNAL, "the sandbox has no broken revision"));
    }

    @Override
    public void close() {
        wiring.close();
        sandbox.close();
        try (var files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp directory is harmless.
        }
    }
}

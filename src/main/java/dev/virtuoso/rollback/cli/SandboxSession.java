package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.config.RunbookLoader;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.RunbookException;
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
public final class SandboxSession implements AutoCloseable {
    static final String RUNBOOK = "/runbooks/sandbox.yaml";

    private final EmbeddedSandbox sandbox;
    private final Wiring wiring;
    private final Session session;
    private final Path home;

    private SandboxSession(EmbeddedSandbox sandbox, Wiring wiring, Session session, Path home) {
        this.sandbox = sandbox;
        this.wiring = wiring;
        this.session = session;
        this.home = home;
    }

    public static SandboxSession start(Session outer) {
        Path home;
        try {
            home = Files.createTempDirectory("rollback-sandbox-");
        } catch (IOException e) {
            throw new RunbookException(ExitCode.INTERNAL, "cannot create a sandbox directory: " + e.getMessage(), e);
        }
        EmbeddedSandbox sandbox = EmbeddedSandbox.provider().start();
        Map<String, String> env = new HashMap<>(sandbox.emulatorVariables());
        env.put("ROLLBACK_HOME", home.toString());
        env.put("ROLLBACK_RUNBOOK", ""); // the sandbox's runbook is built in
        env.put("ROLLBACK_JOURNAL", ""); // the team's journal is no place for a sandbox drill's steps
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

    public Session session() {
        return session;
    }

    /** The sandbox's known-bad revision, found through the Cloud Run API like any other. */
    public String brokenRevision() {
        return session.control().revisions(session.target().service()).stream()
                .filter(r -> r.ready() && sandbox.brokenImage().equals(r.image()))
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

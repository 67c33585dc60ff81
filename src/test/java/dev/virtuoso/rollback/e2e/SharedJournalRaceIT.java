package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two engineers on two machines (two processes of target/rollback, each its own ROLLBACK_HOME)
 * roll back the same service at the same moment through one shared journal: the lock lets exactly
 * one of them change it. The sandbox runs in this JVM, not as `rollback sandbox`, so that its
 * request log can show how every journal object was written.
 */
class SharedJournalRaceIT {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static final String JOURNAL = "gs://" + Sandbox.JOURNAL_BUCKET + "/race";
    // The winner's update is not finished until the test says so (once the loser was turned away), so the
    // two processes meet at the lock however long each takes to start.
    private final Sandbox sandbox = Sandbox.start(Sandbox.Options.defaults().withOperationDelay(Duration.ofMinutes(9)));
    private static final String LOCK = "virtuoso-sandbox-journal/race/locks/virtuoso-sandbox/us-central1/virtuoso-api";
    private final SandboxControls controls = new SandboxControls(sandbox);

    @TempDir
    Path homes;

    record Run(String user, int code, String out, String err) {
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private Map<String, String> env(String user) throws Exception {
        Map<String, String> env = new HashMap<>(sandbox.emulatorVariables());
        env.put("ROLLBACK_HOME", Files.createDirectories(homes.resolve(user)).toString());
        env.put("ROLLBACK_INCIDENT_DIR", Files.createDirectories(homes.resolve(user)).toString() + "/incidents");
        env.put("ROLLBACK_RUNBOOK", "runbooks/sandbox.yaml");
        env.put("ROLLBACK_JOURNAL", JOURNAL);
        env.put("NO_GCE_CHECK", "true");
        env.put("USER", user);
        env.put("HOSTNAME", user + "-laptop");
        return env;
    }

    private CompletableFuture<Run> start(String user, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env(user));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[] out = p.getInputStream().readAllBytes();
                assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
                return new Run(user, p.exitValue(), new String(out, StandardCharsets.UTF_8),
                        new String(err.get(), StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void twoProcessesRacingOneServiceExactlyOneChangesItTheOtherExits5NamingItAndNoJournalObjectIsOverwritten()
            throws Exception {
        String[] quick = {"quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify"};
        CompletableFuture<Run> alice = start("alice", quick);
        CompletableFuture<Run> bob = start("bob", quick);
        // The winner holds the lock and waits on its update; the loser's attempt at the lock is answered
        // 412 and its refusal journaled. Only then does the update finish and the winner give the lock back.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(controls.cloudRunMutations() == 1 && (alice.isDone() || bob.isDone())
                && controls.storageWrites().contains("POST " + LOCK + " ifGenerationMatch=0 -> 412"))) {
            assertThat(System.nanoTime()).as("the two commands never met at the lock: " + controls.storageWrites())
                    .isLessThan(end);
            Thread.sleep(20);
        }
        controls.completeOperationsNow();
        List<Run> runs = List.of(alice.get(120, TimeUnit.SECONDS), bob.get(120, TimeUnit.SECONDS));

        List<Run> won = runs.stream().filter(r -> r.code() == 0).toList();
        List<Run> lost = runs.stream().filter(r -> r.code() == 5).toList();
        assertThat(won).as(runs.toString()).hasSize(1);
        assertThat(lost).as(runs.toString()).hasSize(1);
        String winner = won.get(0).user();
        assertThat(lost.get(0).err()).startsWith("error: virtuoso-api in us-central1 is locked by " + winner + "@"
                + winner + "-laptop since ").contains("(quick --to-revision virtuoso-api-00002-def)")
                .endsWith("; nothing was changed\n");
        assertThat(controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);

        // A third machine reads the team's history: the winner's step, and the loser's attempt, turned
        // away by the lock before it sent anything.
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER, "-o", "json", "history");
        pb.environment().putAll(env("carol"));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process third = pb.start();
        String json = new String(third.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(third.exitValue()).as(json).isZero();
        JsonNode records = new ObjectMapper().readTree(json).get("records");
        assertThat(records).hasSize(2);
        JsonNode applied = records.get(0).get("user").asText().equals(winner) ? records.get(0) : records.get(1);
        JsonNode refused = applied == records.get(0) ? records.get(1) : records.get(0);
        assertThat(applied.get("command").asText()).isEqualTo("quick --to-revision virtuoso-api-00002-def");
        assertThat(applied.get("state").asText()).isEqualTo("applied");
        assertThat(refused.get("user").asText()).isEqualTo(lost.get(0).user());
        assertThat(refused.get("state").asText()).isEqualTo("failed");
        assertThat(refused.get("changed").asBoolean()).isFalse();
        assertThat(refused.get("detail").asText()).startsWith("not sent: virtuoso-api in us-central1 is locked by "
                + winner + "@");

        // Every journal object was created only if absent, none replaced, none deleted; the loser's
        // attempt at the lock was answered 412, and the winner gave its lock back.
        List<String> writes = controls.storageWrites();
        List<String> recordWrites = writes.stream().filter(w -> w.contains("/race/records/")).toList();
        // The winner's planned and applied states, the loser's refusal.
        assertThat(recordWrites).hasSize(3).allMatch(w -> w.startsWith("POST ") && w.endsWith(" ifGenerationMatch=0 -> 200"));
        assertThat(writes).contains("POST " + LOCK + " ifGenerationMatch=0 -> 412");
        assertThat(writes.stream().filter(w -> w.startsWith("POST " + LOCK + " ifGenerationMatch=0 -> 200"))).hasSize(1);
        assertThat(writes).last().asString().matches("DELETE " + LOCK + " ifGenerationMatch=[1-9][0-9]* -> 204");
        assertThat(controls.journalObjects("race/locks/")).isEmpty();
    }
}

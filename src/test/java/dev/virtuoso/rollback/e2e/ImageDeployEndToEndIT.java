package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `rollback image` through target/rollback, as a process, against `rollback sandbox --service NAME`
 * serving a demo service whose name is 48 characters long: revision names valid and unique, traffic
 * moved only to a Ready revision, and nothing sent on exit 2.
 */
class ImageDeployEndToEndIT {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static final String SERVICE = "virtuoso-api-europe-west1-staging-canary-green-1";
    private static final String IMAGE = "gcr.io/virtuoso-sandbox/virtuoso-api";
    /** What Cloud Run wants of a revision's name: a DNS label. */
    private static final String LABEL = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    private final List<Process> sandboxes = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();

    record Run(int code, String out, String err) {
    }

    /** `rollback sandbox --service SERVICE ARGS` as a process; its exports become the tool's environment. */
    private void sandbox(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER, "sandbox", "--service", SERVICE));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        sandboxes.add(p);
        BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null && !line.startsWith("# try"); line = lines.readLine()) {
            if (line.startsWith("export ")) {
                String[] kv = line.substring(7).split("=", 2);
                env.put(kv[0], kv[1]);
            }
        }
        assertThat(env).containsKey("CLOUD_RUN_EMULATOR_HOST");
        env.put("ROLLBACK_HOME", home.toString());
        env.put("ROLLBACK_INCIDENT_DIR", home.toString() + "/incidents");
        env.put("ROLLBACK_RUNBOOK", "runbooks/sandbox.yaml");
        env.put("NO_GCE_CHECK", "true");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : sandboxes) {
            p.destroy();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The tool on SERVICE, unless {@code args} name another. */
    private ProcessBuilder tool(String... args) {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER));
        if (!List.of(args).contains("--service")) {
            cmd.addAll(List.of("--service", SERVICE));
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    private Run rollback(String... args) throws Exception {
        Process p = tool(args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }

    /** `status -o json`: the service as read, and its revisions newest first. */
    private JsonNode status() throws Exception {
        Run r = rollback("-o", "json", "status");
        assertThat(r.code()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** What any accepted update changes: the generation and etag, and a deploy, the revisions. */
    private static String changes(JsonNode status) {
        return status.at("/service/generation").asText() + " " + status.at("/service/etag").asText() + " "
                + status.get("revisions").size();
    }

    /** The image of the revision LATEST serves, and that revision's name. */
    private static String latest(JsonNode status) {
        String name = status.at("/service/latestReadyRevision").asText();
        for (JsonNode r : status.get("revisions")) {
            if (r.get("name").asText().equals(name)) {
                return r.get("image").asText() + " as " + name;
            }
        }
        throw new AssertionError("no revision " + name);
    }

    /** The revision a traffic status gives 100%. */
    private static String servingAll(JsonNode status) {
        for (JsonNode t : status.at("/service/trafficStatuses")) {
            if (t.get("percent").asInt() == 100) {
                return t.get("revision").asText();
            }
        }
        throw new AssertionError("no revision serves 100%: " + status.at("/service/trafficStatuses"));
    }

    @Test
    void twoImageRollbacksOfAServiceWithA48CharacterNameWithinAMinuteAndAnUndoGetValidDistinctRevisions()
            throws Exception {
        sandbox();
        long started = System.nanoTime();
        String seeded = changes(status());

        Run unconfirmed = rollback("image", "--image", IMAGE + ":v1.0.0");
        assertThat(unconfirmed.code()).isEqualTo(2);
        Run unknown = rollback("--service", SERVICE + "x", "image", "--image", IMAGE + ":v1.0.0", "--yes");
        assertThat(unknown.code()).as(unknown.err()).isEqualTo(2);
        assertThat(changes(status())).as("nothing sent on exit 2").isEqualTo(seeded);

        Run first = rollback("image", "--image", IMAGE + ":v1.0.0", "--yes");
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        String one = latest(status());
        // v1.1.0 runs already as 00002, with the same configuration: deploy it anew all the same.
        Run second = rollback("image", "--image", IMAGE + ":v1.1.0", "--force-redeploy", "--yes");
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        String two = latest(status());
        Run undo = rollback("undo", "--yes", "--no-verify");
        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        String three = latest(status());
        assertThat(System.nanoTime() - started).as("all within a minute").isLessThan(TimeUnit.MINUTES.toNanos(1));

        assertThat(one).startsWith(IMAGE + ":v1.0.0 as ");
        assertThat(two).startsWith(IMAGE + ":v1.1.0 as ");
        assertThat(three).startsWith(IMAGE + ":v1.0.0 as ");
        List<String> names = List.of(one, two, three).stream().map(s -> s.substring(s.lastIndexOf(' ') + 1)).toList();
        assertThat(names).doesNotHaveDuplicates().allSatisfy(n -> assertThat(n).matches(LABEL)
                .startsWith(SERVICE + "-"));
        // The service follows LATEST: each one served through it, nothing pinned.
        assertThat(status().at("/service/traffic/0/latest").asBoolean()).isTrue();
        assertThat(first.out() + second.out()).contains("checks: 5/5 passed").doesNotContain("pinned to");
    }

    @Test
    void aRedeployWhoseRevisionNeverBecomesReadyIsExit4AndLeavesTheTrafficAsItWas() throws Exception {
        sandbox();
        // Pinned first, so that the deploy would have a traffic update to send.
        Run pin = rollback("quick", "--to-revision", SERVICE + "-00002-def", "--yes", "--no-verify");
        assertThat(pin.code()).as(pin.out() + pin.err()).isZero();
        JsonNode before = status().get("service");

        // v1.2.1 is the image the seeded 00004 never started: it fails again.
        Run r = rollback("image", "--image", IMAGE + ":v1.2.1", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(r.err()).contains("is not ready and cannot serve traffic. The user-provided container failed to "
                + "start").contains("the change was sent and is not in effect yet (it failed)");
        JsonNode after = status().get("service");
        assertThat(after.get("traffic")).isEqualTo(before.get("traffic"));
        assertThat(after.get("trafficStatuses")).isEqualTo(before.get("trafficStatuses"));
        assertThat(rollback("status").out()).contains("failed: the deploy of " + SERVICE + "-")
                .contains("(" + IMAGE + ":v1.2.1) failed: it never became Ready").doesNotContain("reconciling:");
        JsonNode step = JSON.readTree(rollback("-o", "json", "history").out()).findValues("state").stream()
                .reduce((a, b) -> b).orElseThrow();
        assertThat(step.asText()).isEqualTo("failed");
    }

    @Test
    void ctrlCWhileADeployStartsIsJournaledAsSentAndARunAgainAdoptsItAndMovesTheTraffic() throws Exception {
        // Time enough for Ctrl-C, and for the run after it to find the deploy still in flight.
        sandbox("--revision-start-delay", "20s");
        Run pin = rollback("quick", "--to-revision", SERVICE + "-00002-def", "--yes", "--no-verify");
        assertThat(pin.code()).as(pin.out() + pin.err()).isZero();
        Process p = tool("image", "--image", IMAGE + ":v1.0.0", "--yes").start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null && !line.startsWith("... waiting"); line = out.readLine()) {
            // the plan, until the wait begins
        }
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isEqualTo(130);
        assertThat(err).containsPattern(Pattern.quote("the change was sent and is not in effect yet (" + SERVICE + "-")
                + "[a-z0-9]+" + Pattern.quote(" is still being deployed; the traffic was not moved to it)"))
                .contains("`rollback undo ");
        assertThat(rollback("-o", "json", "history").out()).contains("\"state\" : \"interrupted\"")
                .contains("\"changed\" : true");

        Run again = rollback("image", "--image", IMAGE + ":v1.0.0", "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("already in flight").contains("it was not sent again")
                .contains("checks: 5/5 passed");
        // Pinned to the revision the first run deployed, which LATEST means too.
        JsonNode now = status();
        assertThat(latest(now)).isEqualTo(IMAGE + ":v1.0.0 as " + servingAll(now));
    }
}

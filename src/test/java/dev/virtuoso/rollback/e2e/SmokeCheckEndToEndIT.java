package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/**
 * The CI smoke check as a pipeline runs it: `target/rollback verify -o json --junit report.xml`
 * in a job's folder, no terminal, no colour, against `rollback sandbox`. It must not pass by
 * accident, and its exit code must say what went wrong.
 */
class SmokeCheckEndToEndIT {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Process sandbox;
    private static final Map<String, String> env = new HashMap<>();

    @TempDir
    static Path home;

    /** The job's working folder, fresh for each test. */
    @TempDir
    Path job;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void startSandbox() throws IOException {
        // No synthesized traffic: the metrics stay too few to judge however long the tests take.
        sandbox = new ProcessBuilder(LAUNCHER, "sandbox", "--requests-per-minute", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        env.putAll(SandboxEndToEndIT.exportsOf(sandbox));
        assertThat(env).containsKeys("CLOUD_RUN_EMULATOR_HOST", "MONITORING_EMULATOR_HOST");
        env.put("ROLLBACK_HOME", home.toString());
        env.put("ROLLBACK_INCIDENT_DIR", home.toString() + "/incidents");
        env.put("ROLLBACK_RUNBOOK", Path.of("runbooks/sandbox.yaml").toAbsolutePath().toString());
        env.put("NO_GCE_CHECK", "true");
        env.put("NO_COLOR", "1");
    }

    @AfterAll
    static void stopSandbox() throws InterruptedException {
        sandbox.destroy();
        assertThat(sandbox.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    /** The healthy revision serves, as after a good deploy (or a rollback). */
    @BeforeEach
    void healthyRevisionServes() throws Exception {
        Run r = rollback(env, "quick", "--to-revision", "virtuoso-api-00002-def", "--yes", "--no-verify");
        assertThat(r.code()).as(r.err()).isZero();
    }

    private Run rollback(Map<String, String> environment, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(LAUNCHER).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(job.toFile());
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void withoutTheApiKeyTheJobFailsWithExit2AndItsReportsSayWhichChecksCouldNotRunAndWhy() throws Exception {
        Path book = job.resolve("runbook.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                .replace("secret: virtuoso-api-key", "env: API_KEY"));
        Map<String, String> noKey = new HashMap<>(env);
        noKey.remove("API_KEY");

        Run r = rollback(noKey, "-r", book.toString(), "verify", "-o", "json", "--junit", "report.xml");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("error").asText()).startsWith("list commands, execute command could not run: API key not "
                + "available: set API_KEY or use apiKey.secret");
        assertThat(r.err().lines().toList()).containsExactly("error: " + doc.get("error").asText());
        Path xml = job.resolve("report.xml");
        SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(getClass().getResource("/junit-10.xsd")).newValidator().validate(new StreamSource(xml.toFile()));
        Element suite = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile())
                .getElementsByTagName("testsuite").item(0);
        // 3 health checks pass; 2 functional ones not run; 2 metrics with no requests to judge.
        assertThat(suite.getAttribute("tests")).isEqualTo("7");
        assertThat(suite.getAttribute("failures")).isEqualTo("0");
        assertThat(suite.getAttribute("skipped")).isEqualTo("4");
        assertThat(Files.readString(xml)).contains("<skipped message=\"API key not available: set API_KEY");
    }

    @Test
    void withTheKeyAndNoTrafficTheSmokeCheckIsInconclusiveExit0OrExit3WhenItRequiresMetrics() throws Exception {
        Run r = rollback(env, "verify", "--junit", "report.xml");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("? verification inconclusive for virtuoso-api at ")
                .contains("too little traffic to judge error rate of virtuoso-api-00002-def").contains("checks: 5/7 passed, 2 "
                        + "inconclusive").doesNotContain("verification passed");

        Run strict = rollback(env, "verify", "-o", "json", "--require-metrics");
        assertThat(strict.code()).isEqualTo(3);
        assertThat(JSON.readTree(strict.out()).get("ok").asBoolean()).isFalse();
    }

    @Test
    void aRevisionWithoutATagIsRefusedInOneLineWithTheCommandThatTagsIt() throws Exception {
        Run r = rollback(env, "verify", "--revision", "virtuoso-api-00001-abc", "--junit", "report.xml");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err()).contains("`rollback tag --revision virtuoso-api-00001-abc --name NAME`");
        assertThat(job.resolve("report.xml")).doesNotExist();
    }

    @Test
    void aHostThatDoesNotResolveOrRefusesTheConnectionIsExit4NotExit3() throws Exception {
        // Names resolve from this file alone: the test asks no DNS server.
        Path hosts = Files.writeString(job.resolve("hosts"), "127.0.0.1 localhost\n");
        Map<String, String> offline = new HashMap<>(env);
        offline.put("ROLLBACK_JAVA_OPTS", "-Djdk.net.hosts.file=" + hosts);

        Run unknown = rollback(offline, "--url", "https://rollback-smoke.invalid", "verify", "--health", "-o", "json",
                "--junit", "report.xml");

        assertThat(unknown.code()).as(unknown.err()).isEqualTo(4);
        assertThat(JSON.readTree(unknown.out()).get("error").asText())
                .isEqualTo("unknown host rollback-smoke.invalid: the name does not resolve after 2 attempts (3 checks)");
        assertThat(Files.readString(job.resolve("report.xml"))).contains("errors=\"3\"").contains("<error ");

        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Run refused = rollback(env, "--url", "http://127.0.0.1:" + port, "verify", "--health");
        assertThat(refused.code()).isEqualTo(4);
        assertThat(refused.err()).isEqualTo("error: connection refused by 127.0.0.1:" + port + " after 2 attempts (3 "
                + "checks)\n");
    }

    @Test
    void aReportFolderThatDoesNotExistStopsTheDrillAndTheSmokeCheckBeforeAnythingRuns() throws Exception {
        String traffic = JSON.readTree(rollback(env, "-o", "json", "status").out()).get("service").get("traffic")
                .toString();
        String journal = Files.readString(home.resolve("journal.jsonl"));

        Run drill = rollback(env, "drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report", "reports/drills",
                "--yes");

        assertThat(drill.code()).isEqualTo(2);
        assertThat(drill.err()).isEqualTo("error: cannot write the drill report directory reports/drills: the "
                + "directory reports does not exist (create it first)\n");
        assertThat(drill.out()).isEmpty();
        assertThat(JSON.readTree(rollback(env, "-o", "json", "status").out()).get("service").get("traffic")
                .toString()).isEqualTo(traffic);
        assertThat(Files.readString(home.resolve("journal.jsonl"))).isEqualTo(journal);

        Run verify = rollback(env, "verify", "-o", "json", "--junit", "out/report.xml");
        assertThat(verify.code()).isEqualTo(2);
        assertThat(JSON.readTree(verify.out()).get("error").asText()).isEqualTo("cannot write the JUnit report "
                + "out/report.xml: the directory out does not exist (create it first)");
        assertThat(job.resolve("out")).doesNotExist();
    }
}

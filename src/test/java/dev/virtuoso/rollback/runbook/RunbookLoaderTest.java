package dev.virtuoso.rollback.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RunbookLoaderTest {
    private final RunbookLoader loader = new RunbookLoader();

    @Test
    void shippedProductionRunbookHasTheWrittenRunbooksValues() {
        Runbook r = loader.load(Path.of("runbooks/virtuoso-api.yaml"));
        assertThat(r.service().project()).isEqualTo("virtuoso-generator");
        assertThat(r.service().url()).isEqualTo("https://virtuoso-api-936111683985.us-central1.run.app");
        assertThat(r.checks().health()).extracting(Runbook.HttpCheck::path)
                .containsExactly("/health", "/health?detailed=true", "/health/ready");
        assertThat(r.checks().functional()).hasSize(2);
        assertThat(r.checks().functional().get(1).method()).isEqualTo("POST");
        assertThat(r.triggers().p95Latency()).isEqualTo(Duration.ofSeconds(5));
        assertThat(r.decisionMatrix()).extracting(Runbook.DecisionRow::severity)
                .containsExactly("critical", "high", "medium", "low");
        assertThat(r.notifications().slackWebhook().env()).isEqualTo("SLACK_WEBHOOK_URL");
    }

    @Test
    void everyShippedRunbookLoads() {
        for (String f : new String[] {"virtuoso-api-staging.yaml", "sandbox.yaml"}) {
            assertThat(loader.load(Path.of("runbooks", f)).service().name()).isEqualTo("virtuoso-api");
        }
    }

    @Test
    void onlyServiceIsRequiredAndTheRestHasTheSpecDefaults() {
        Runbook r = loader.parse("t.yaml", "service:\n  name: api\n");
        assertThat(r.apiVersion()).isEqualTo("rollback/v1");
        assertThat(r.checks().timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(r.checks().retries()).isEqualTo(2);
        assertThat(r.checks().health()).hasSize(3);
        assertThat(r.checks().functional()).isEmpty();
        assertThat(r.triggers().errorRate()).isEqualTo(0.20);
        assertThat(r.triggers().minRequests()).isEqualTo(100);
        assertThat(r.triggers().sustain()).isEqualTo(Duration.ofSeconds(300));
        assertThat(r.decisionMatrix()).hasSize(4);
        assertThat(r.data().firestore().database()).isEqualTo("(default)");
    }

    @Test
    void unknownKeyIsNamedWithItsLine() {
        assertThatThrownBy(() -> loader.parse("t.yaml", "service:\n  name: api\nchecks:\n  timout: 5s\n"))
                .isInstanceOf(RunbookException.class)
                .hasMessageStartingWith("runbook t.yaml line 4: unknown key 'checks.timout'")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "service:\\n  name: api\\nchecks:\\n  timeout: soon\\n| line 4: bad value for 'checks.timeout'",
        "service:\\n  name: api\\ntriggers:\\n  errorRate: 1.5\\n| line 4: 'triggers.errorRate' must be a fraction",
        "service:\\n  project: p\\n| line 1: 'service.name' is required",
        "apiVersion: v2\\nservice:\\n  name: a\\n| line 1: 'apiVersion' must be rollback/v1",
        "service:\\n  name: a\\napiKey:\\n  env: K\\n  secret: s\\n| line 3: 'apiKey' needs exactly one",
        "service:\\n  name: a\\nchecks:\\n  health:\\n    - path: /ok\\n    - path: nope\\n| line 6: 'checks.health[1].path' must start with '/'",
        "service:\\n  name: a\\nchecks:\\n  retries: 2.5\\n| line 4: bad value for 'checks.retries'",
        "service: {name: a\\n| not valid YAML",
        "service: [1, 2]\\n| line 1: bad value for 'service': expected a block of keys",
        "service:\\n  name: a\\ndecisionMatrix:\\n  - {severity: a, minErrorRate: 0.1, action: x, within: 5m}\\n"
                + "  - {severity: b, minErrorRate: 0.2, action: y, within: 5m}\\n| line 5: 'decisionMatrix[1]' rows must be ordered",
    })
    void badValuesAreErrorsNamingKeyAndLine(String yaml, String expected) {
        assertThatThrownBy(() -> loader.parse("t.yaml", yaml.replace("\\n", "\n")))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining(expected);
    }

    @Test
    void missingFileIsInvalidInput() {
        assertThatThrownBy(() -> loader.load(Path.of("runbooks/nope.yaml")))
                .hasMessage("runbook runbooks/nope.yaml not found");
    }

    // ---- Robust reading: every problem is one short line naming the key path and the line ----

    private static final String SERVICE = "service:\n  name: a\n";

    /** Parses and returns the one-line error, after checking it carries no Java or parser internals. */
    private RunbookException failure(String yaml) {
        Throwable thrown = catchThrowable(() -> loader.parse("t.yaml", yaml));
        assertThat(thrown).as("expected the runbook to be rejected").isInstanceOf(RunbookException.class);
        assertIsOneCleanLine((RunbookException) thrown);
        return (RunbookException) thrown;
    }

    private static void assertIsOneCleanLine(RunbookException e) {
        assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID_INPUT);
        assertThat(e.getCause()).isNull();
        assertThat(e.getMessage()).startsWith("runbook ").doesNotContain("\n", "\r")
                .doesNotContain("Cannot deserialize", "Unrecognized field", "class dev.virtuoso", "dev.virtuoso",
                        "java.", "com.fasterxml", "org.yaml", "Exception", "`", "(through reference chain");
    }

    static Stream<Arguments> misspeltKeys() {
        String httpKeys = "(known here: auth, body, expectStatus, method, name, path)";
        return Stream.of(
                arguments(SERVICE + "checks:\n  health:\n    - path: /ok\n    - pth: /x\n",
                        "line 6: unknown key 'checks.health[1].pth' " + httpKeys),
                arguments("service: {name: a}\nchecks: {health: [{pth: /x}]}\n",
                        "line 2: unknown key 'checks.health[0].pth' " + httpKeys),
                arguments(SERVICE + "checks:\n  functional:\n    - name: x\n      path: /x\n      expect_status: 200\n",
                        "line 7: unknown key 'checks.functional[0].expect_status' " + httpKeys),
                arguments(SERVICE + "triggers:\n  errorRate: 0.3\n  eror_rate: 0.3\n",
                        "line 5: unknown key 'triggers.eror_rate' (known here: errorRate, minRequests, p95Latency,"
                                + " sustain, window)"),
                arguments(SERVICE + "notifications:\n  slackWebhook: {env: X}\n",
                        "line 3: unknown key 'notifications' (known here: apiKey, apiVersion, checks, data,"
                                + " decisionMatrix, notify, service, triggers)"),
                arguments(SERVICE + "decisionMatrix:\n  - {severity: a, minErrorRate: 0.1, action: x, within: 5m}\n"
                                + "  - {sevrity: b, minErrorRate: 0, action: y, within: 5m}\n",
                        "line 5: unknown key 'decisionMatrix[1].sevrity' (known here: action, minErrorRate, severity,"
                                + " within)"),
                arguments(SERVICE + "data:\n  firestore:\n    bucket: gs://b\n",
                        "line 5: unknown key 'data.firestore.bucket' (known here: backupBucket, database)"),
                arguments(SERVICE + "notify:\n  slackWebhook: {envv: X}\n",
                        "line 4: unknown key 'notify.slackWebhook.envv' (known here: env, secret)"),
                arguments(SERVICE + "apiKey:\n  secrt: s\n", "line 4: unknown key 'apiKey.secrt' (known here: env, secret)"),
                arguments("service:\n  nmae: a\n",
                        "line 2: unknown key 'service.nmae' (known here: name, project, region, url)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("misspeltKeys")
    void misspeltKeyAnywhereIsNamedByItsPathLineAndTheKeysKnownThere(String yaml, String expected) {
        assertThat(failure(yaml)).hasMessage("runbook t.yaml " + expected);
    }

    static Stream<Arguments> badDurations() {
        return Stream.of(
                arguments("triggers:\n  p95Latency: 0s\n", "line 4: 'triggers.p95Latency' must be positive"),
                arguments("triggers:\n  p95Latency: 0\n", "line 4: 'triggers.p95Latency' must be positive"),
                arguments("triggers:\n  p95Latency: -1\n", "line 4: 'triggers.p95Latency' must be positive"),
                arguments("triggers:\n  window: 0m\n", "line 4: 'triggers.window' must be positive"),
                arguments("checks:\n  timeout: 0ms\n", "line 4: 'checks.timeout' must be positive"),
                arguments("triggers:\n  sustain: 1500ms\n", "line 4: 'triggers.sustain' must be whole seconds"),
                arguments("triggers:\n  sustain: -5\n", "line 4: 'triggers.sustain' must not be negative"),
                arguments("decisionMatrix:\n  - {severity: a, minErrorRate: 0, action: x, within: 0s}\n",
                        "line 4: 'decisionMatrix[0].within' must be positive"),
                arguments("triggers:\n  minRequests: -1\n", "line 4: 'triggers.minRequests' must not be negative"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badDurations")
    void durationsMustBePositiveAndSustainWholeNonNegativeSeconds(String yaml, String expected) {
        assertThat(failure(SERVICE + yaml)).hasMessage("runbook t.yaml " + expected);
    }

    @Test
    void durationsAreTextOrWholeSecondsAndZeroSustainAndMinRequestsAreAllowed() {
        Runbook r = loader.parse("t.yaml", SERVICE + """
                checks: {timeout: 300ms}
                triggers: {p95Latency: 2, window: 5m, sustain: 0, minRequests: 0}
                decisionMatrix:
                  - {severity: a, minErrorRate: 0, action: x, within: 2h}
                """);
        assertThat(r.checks().timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(r.triggers().p95Latency()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.triggers().window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(r.triggers().sustain()).isZero();
        assertThat(r.triggers().minRequests()).isZero();
        assertThat(r.decisionMatrix().get(0).within()).isEqualTo(Duration.ofHours(2));
        assertThat(loader.parse("t.yaml", SERVICE + "triggers: {sustain: 0s}\n").triggers().sustain()).isZero();
    }
}

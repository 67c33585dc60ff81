package dev.virtuoso.rollback.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
    void aCheckMayBeCalledIdempotentWhichLetsAPostBeRetriedAndNothingButABooleanIsAccepted() {
        Runbook r = loader.parse("t.yaml", """
                service: {name: api}
                checks:
                  functional:
                    - {name: run, method: POST, path: /run, idempotent: true}
                    - {name: post, method: POST, path: /post}
                    - {name: put, method: PUT, path: /put}
                """);
        assertThat(r.checks().functional()).extracting(Runbook.HttpCheck::idempotent).containsExactly(true, false, false);
        assertThat(r.checks().functional()).extracting(Runbook.HttpCheck::safeToResend).containsExactly(true, false, true);
        assertThatThrownBy(() -> loader.parse("t.yaml", """
                service: {name: api}
                checks:
                  functional:
                    - name: run
                      idempotent: sure
                      path: /run
                """)).hasMessage("runbook t.yaml line 5: bad value for 'checks.functional[0].idempotent': expected true "
                + "or false, not 'sure'");
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
    void aJournalSharedInCloudStorageIsABucketAndAPrefixWithoutItsSlashes() {
        Runbook r = loader.parse("t.yaml", "service:\n  name: api\njournal: gs://team-journal/on-call/api/\n");

        SharedJournal j = SharedJournal.parse(r.journal(), "the runbook's journal");

        assertThat(j).isEqualTo(new SharedJournal("team-journal", "on-call/api"));
        assertThat(SharedJournal.parse("gs://team-journal", "ROLLBACK_JOURNAL")).isEqualTo(new SharedJournal(
                "team-journal", ""));
        assertThat(loader.parse("t.yaml", "service:\n  name: api\n").journal()).isNull();
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

    static Stream<Arguments> duplicateKeys() {
        return Stream.of(
                arguments("service:\n  name: api\n  region: r\n  name: other\n",
                        "runbook t.yaml line 4: duplicate key 'service.name' (first at line 2)"),
                arguments("service:\n  name: a\nchecks:\n  timeout: 5s\nservice:\n  name: b\n",
                        "runbook t.yaml line 5: duplicate key 'service' (first at line 1)"),
                arguments("service:\n  name: a\n  'name': b\n",
                        "runbook t.yaml line 3: duplicate key 'service.name' (first at line 2)"),
                arguments(SERVICE + "decisionMatrix:\n  - {severity: a, minErrorRate: 0.1, action: x, within: 5m,"
                                + " severity: b}\n",
                        "runbook t.yaml line 4: duplicate key 'decisionMatrix[0].severity' (first at line 4)"),
                arguments(SERVICE + "checks:\n  health:\n    - path: /a\n    - path: /b\n      name: b\n      path: /c\n",
                        "runbook t.yaml line 8: duplicate key 'checks.health[1].path' (first at line 6)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("duplicateKeys")
    void duplicateKeyIsAnErrorNamingTheKeyPathAndBothLines(String yaml, String expected) {
        assertThat(failure(yaml)).hasMessage(expected);
    }

    static Stream<Arguments> secondDocuments() {
        return Stream.of(
                arguments(SERVICE + "---\nservice:\n  name: b\n", 3),
                arguments("---\n" + SERVICE + "...\n---\nservice:\n  name: b\n", 5),
                arguments(SERVICE + "...\nservice:\n  name: b\n", 4),
                arguments(SERVICE + "---\n", 3));
    }

    @ParameterizedTest(name = "second document at line {1}")
    @MethodSource("secondDocuments")
    void secondYamlDocumentIsAnErrorNamingTheLineWhereItStarts(String yaml, int line) {
        assertThat(failure(yaml)).hasMessage("runbook t.yaml line " + line
                + ": a second YAML document starts here (a runbook file holds one document)");
    }

    @Test
    void loneLeadingDocumentMarkerIsFine() {
        assertThat(loader.parse("t.yaml", "---\n" + SERVICE + "...\n").service().name()).isEqualTo("a");
        assertThat(loader.parse("t.yaml", "# comment\n--- # start\n" + SERVICE).service().name()).isEqualTo("a");
    }

    @Test
    void anchorsAliasesAndMergeKeysLoadAsWritten() {
        Runbook r = loader.parse("t.yaml", """
                service:
                  name: &name api
                  project: proj
                checks:
                  health:
                    - &ready {path: /health/ready}
                  functional:
                    - &list
                      name: list
                      path: /api/v1/commands
                      auth: true
                    - <<: *list
                      name: execute
                      method: POST
                      body: '{"args": ["test"]}'
                      expectStatus: 200
                    - *ready
                    - <<: [{name: first, method: PUT}, *list]
                      path: /put
                triggers:
                  p95Latency: &latency 2s
                  window: *latency
                  minRequests: 0
                decisionMatrix: &rows
                  - {severity: only, minErrorRate: 0, action: *name, within: 90}
                data:
                  secrets: &secrets [k1, k2]
                  bigquery: {tables: *secrets}
                """);
        assertThat(r.checks().health()).extracting(Runbook.HttpCheck::path).containsExactly("/health/ready");
        assertThat(r.checks().functional()).containsExactly(
                new Runbook.HttpCheck("list", "GET", "/api/v1/commands", true, null, null, null),
                new Runbook.HttpCheck("execute", "POST", "/api/v1/commands", true, "{\"args\": [\"test\"]}", 200, null),
                new Runbook.HttpCheck(null, null, "/health/ready", false, null, null, null),
                new Runbook.HttpCheck("first", "PUT", "/put", true, null, null, null));
        assertThat(r.triggers().p95Latency()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.triggers().window()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.triggers().minRequests()).isZero();
        assertThat(r.decisionMatrix()).containsExactly(
                new Runbook.DecisionRow("only", 0.0, "api", Duration.ofSeconds(90)));
        assertThat(r.data().secrets()).containsExactly("k1", "k2");
        assertThat(r.data().bigquery().tables()).containsExactly("k1", "k2");
    }

    @Test
    void aliasOfAListCanStandForAWholeCheckList() {
        Runbook r = loader.parse("t.yaml", SERVICE + """
                checks:
                  health: &common
                    - path: /health
                    - {path: /ready, expectStatus: 204}
                  functional: *common
                """);
        assertThat(r.checks().functional()).isEqualTo(r.checks().health()).hasSize(2);
        assertThat(r.checks().functional().get(1).expectStatus()).isEqualTo(204);
    }

    @Test
    void errorsInsideAnAnchorPointAtTheLineWhereTheKeyIsWritten() {
        assertThat(failure(SERVICE + """
                checks:
                  health:
                    - &h {path: /a, auth: false}
                  functional:
                    - <<: *h
                      nmae: x
                """)).hasMessage("runbook t.yaml line 8: unknown key 'checks.functional[0].nmae' "
                + "(known here: auth, body, expectStatus, idempotent, method, name, path)");
        assertThat(failure(SERVICE + "checks:\n  health:\n    - &h {path: nope}\n  functional:\n    - *h\n"))
                .hasMessage("runbook t.yaml line 5: 'checks.health[0].path' must start with '/' and contain no spaces");
    }

    static Stream<Arguments> aliasProblems() {
        StringBuilder laughs = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b'; c <= 'g'; c++) {
            String prev = "*" + (char) (c - 1);
            laughs.append(c).append(": &").append(c).append(" [").append(String.join(", ", Collections.nCopies(9, prev)))
                    .append("]\n");
        }
        StringBuilder doubling = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 20; i++) {
            doubling.append("l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l")
                    .append(i - 1).append("]\n");
        }
        return Stream.of(
                arguments(laughs.toString(), "runbook t.yaml line 7: more than 50 aliases of lists or blocks of keys"
                        + " (a limit against alias bombs)"),
                arguments(doubling.toString(), "runbook t.yaml line 10: aliases expand to more than 10000 values"
                        + " (a limit against alias bombs)"),
                arguments("service: &s\n  name: a\n  self: *s\n",
                        "runbook t.yaml line 3: alias *s refers to the block that contains it"),
                arguments("service:\n  name: *nope\n", "runbook t.yaml line 2: not valid YAML: found undefined alias nope"),
                arguments("service:\n  <<: text\n  name: a\n",
                        "runbook t.yaml line 2: '<<' in 'service' must be an alias of a block of keys, or a list of them"),
                arguments("service:\n  <<: [*x]\n", "runbook t.yaml line 2: not valid YAML: found undefined alias x"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("aliasProblems")
    void aliasProblemsAndAliasBombsAreErrorsSayingWhy(String yaml, String expected) {
        assertThat(failure(yaml)).hasMessage(expected);
    }

    static Stream<Arguments> misspeltKeys() {
        String httpKeys = "(known here: auth, body, expectStatus, idempotent, method, name, path)";
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
                        "line 3: unknown key 'notifications' (known here: apiKey, apiVersion, askReason, checks, data,"
                                + " decisionMatrix, journal, notify, service, triggers)"),
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
                        "line 2: unknown key 'service.nmae' (known here: name, project, region, regions, url)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("misspeltKeys")
    void misspeltKeyAnywhereIsNamedByItsPathLineAndTheKeysKnownThere(String yaml, String expected) {
        assertThat(failure(yaml)).hasMessage("runbook t.yaml " + expected);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments(SERVICE + "checks:\n  retries: 2.5\n",
                        "line 4: bad value for 'checks.retries': expected a whole number, not '2.5'"),
                arguments(SERVICE + "checks:\n  retries: 99999999999\n",
                        "line 4: bad value for 'checks.retries': '99999999999' is out of range"),
                arguments("service:\n  name: [a, b]\n", "line 2: bad value for 'service.name': expected text, not a list"),
                arguments(SERVICE + "checks:\n  health:\n    - /health\n",
                        "line 5: bad value for 'checks.health[0]': expected a block of keys, not '/health'"),
                arguments(SERVICE + "triggers:\n  minRequests: lots\n",
                        "line 4: bad value for 'triggers.minRequests': expected a whole number, not 'lots'"),
                arguments(SERVICE + "checks:\n  functional:\n    - {path: /x, auth: maybe}\n",
                        "line 5: bad value for 'checks.functional[0].auth': expected true or false, not 'maybe'"),
                arguments(SERVICE + "data:\n  secrets: virtuoso-api-key\n",
                        "line 4: bad value for 'data.secrets': expected a list, not 'virtuoso-api-key'"),
                arguments(SERVICE + "checks:\n  timeout: soon\n", "line 4: bad value for 'checks.timeout': expected a"
                        + " duration such as 300ms, 10s, 5m, 2h or 1h30m, not 'soon'"),
                arguments(SERVICE + "triggers:\n  sustain: 1:30\n", "line 4: bad value for 'triggers.sustain': expected a"
                        + " duration such as 300ms, 10s, 5m, 2h or 1h30m, not '1:30'"),
                arguments(SERVICE + "triggers:\n  window: {a: 1}\n", "line 4: bad value for 'triggers.window': expected"
                        + " a duration such as 300ms, 10s, 5m, 2h or 1h30m, not a block of keys"),
                arguments(SERVICE + "triggers:\n  window: 99999999999999999999\n", "line 4: bad value for"
                        + " 'triggers.window': '99999999999999999999' is out of range: a duration is at most 100000d"),
                arguments(SERVICE + "triggers:\n  window: 100001d\n", "line 4: bad value for 'triggers.window': "
                        + "'100001d' is out of range: a duration is at most 100000d"),
                arguments(SERVICE + "data:\n  secrets: [a, ~]\n", "line 4: 'data.secrets[1]' is empty"),
                arguments("- a\n- b\n", "line 1: the runbook must be a block of keys such as 'service:', not a list"),
                arguments("hello\n", "line 1: the runbook must be a block of keys such as 'service:', not 'hello'"),
                arguments("service:\n  name: !secret a\n",
                        "line 2: bad value for 'service.name': the tag !secret is not supported"),
                arguments("? [a]\n: b\n", "line 1: a key must be plain text, not a list"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badValues")
    void badValueIsNamedInTheRunbooksWordsNeverInJavaTypes(String yaml, String expected) {
        assertThat(failure(yaml)).hasMessage("runbook t.yaml " + expected);
    }

    @Test
    void aSlackBotTokenAndItsChannelAreReadAndAskReasonIsOnUnlessTheRunbookTurnsItOff() {
        Runbook r = loader.parse("t.yaml", SERVICE + "notify:\n  slack: {token: {secret: slack-bot}, channel: \"#incidents\"}\n"
                + "askReason: false\n");
        assertThat(r.notifications().slack()).isEqualTo(new Runbook.Slack(new Runbook.SecretSource(null, "slack-bot"),
                "#incidents"));
        assertThat(r.askReason()).isFalse();
        assertThat(loader.parse("t.yaml", SERVICE).askReason()).isTrue();
    }

    static Stream<Arguments> badSlack() {
        return Stream.of(
                arguments(SERVICE + "notify:\n  slackWebhook: {env: W}\n  slack: {token: {env: T}, channel: C0123ABCD}\n",
                        "line 5: 'notify.slack' and 'notify.slackWebhook' exclude each other: keep 'notify.slack' "
                                + "(a bot token: threads and the chart) or the webhook"),
                arguments(SERVICE + "notify:\n  slack: {channel: \"#incidents\"}\n", "line 4: 'notify.slack.token' is "
                        + "required ({secret: NAME} or {env: VAR}: the Slack app's bot token)"),
                arguments(SERVICE + "notify:\n  slack: {token: {env: T, secret: s}, channel: \"#incidents\"}\n",
                        "line 4: 'notify.slack.token' needs exactly one of 'env' or 'secret'"),
                arguments(SERVICE + "notify:\n  slack: {token: {env: T}}\n",
                        "line 4: 'notify.slack.channel' is required (#name or a channel ID)"),
                arguments(SERVICE + "notify:\n  slack: {token: {env: T}, channel: \"#Incidents Room\"}\n",
                        "line 4: 'notify.slack.channel' must be #name (lower-case letters, digits, - and _) or a "
                                + "channel ID like C0123ABCD, not '#Incidents Room'"),
                arguments(SERVICE + "notify:\n  slack: {token: {env: T}, channel: incidents}\n",
                        "line 4: 'notify.slack.channel' must be #name (lower-case letters, digits, - and _) or a "
                                + "channel ID like C0123ABCD, not 'incidents'"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSlack")
    void aSlackBlockWithoutATokenOrAUsableChannelOrBesideAWebhookIsRefusedNamingTheKey(String yaml, String expected) {
        assertThat(failure(yaml)).hasMessage("runbook t.yaml " + expected);
    }

    @ParameterizedTest(name = "[{index}] {argumentsWithNames}")
    @ValueSource(strings = {"", "\n\n", "# only a comment\n\n   \n", "   ", "---\n", "--- # nothing\n...\n", "\uFEFF"})
    void fileWithNothingButCommentsOrWhitespaceIsEmpty(String yaml) {
        assertThat(failure(yaml)).hasMessage("runbook t.yaml: the file is empty");
    }

    static Stream<Arguments> invalidYaml() {
        return Stream.of(
                arguments("service:\n\tname: a\n", "runbook t.yaml line 2: not valid YAML: a tab cannot indent (use spaces)"),
                arguments("service:\n  name: a\n\tregion: r\n", "runbook t.yaml line 3: not valid YAML: a tab cannot indent (use spaces)"),
                arguments("service: {name: a\n", "runbook t.yaml line 1: not valid YAML: "),
                arguments("service:\n  name: a\n  url\n", "runbook t.yaml line 3: not valid YAML: "),
                arguments("service:\n  name: a\n - x\n", "runbook t.yaml line 3: not valid YAML: "),
                arguments("service: {name: a}}\n", "runbook t.yaml line 1: not valid YAML: "),
                arguments("service:\n  name: \"a\n", "runbook t.yaml line 2: not valid YAML: "),
                arguments("service:\n  name: a\u0000\n", "runbook t.yaml line 2: not valid YAML: "));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidYaml")
    void invalidYamlIsNotValidYamlWithAShortReasonAndTheLine(String yaml, String expectedPrefix) {
        RunbookException e = failure(yaml);
        assertThat(e).hasMessageStartingWith(expectedPrefix);
        assertThat(e.getMessage().length()).isLessThan(200);
    }

    @Test
    void echoedValuesAreShortenedAndKeptOnOneLine() {
        String longUrl = "x".repeat(100_000);
        assertThat(failure("service:\n  name: a\n  url: " + longUrl + "\n"))
                .hasMessage("runbook t.yaml line 3: 'service.url' must be an http(s) URL, not '" + "x".repeat(60) + "…'");
        assertThat(failure(SERVICE + "checks:\n  timeout: " + "9".repeat(500) + "x\n"))
                .hasMessage("runbook t.yaml line 4: bad value for 'checks.timeout': expected a duration such as 300ms,"
                        + " 10s, 5m, 2h or 1h30m, not '" + "9".repeat(60) + "…'");
        assertThat(failure(SERVICE + "k".repeat(1000) + ": 1\n")).hasMessageStartingWith(
                "runbook t.yaml line 3: unknown key '" + "k".repeat(60) + "…' (known here: apiKey,");
        assertThat(failure("apiVersion: |\n  v1\n  v2\n" + SERVICE))
                .hasMessage("runbook t.yaml line 1: 'apiVersion' must be rollback/v1, not 'v1\\nv2\\n'");
    }

    @Test
    void textLargerThanOneMebibyteIsRefusedUpFront() {
        String big = SERVICE + "#" + "x".repeat(1 << 20) + "\n";
        assertThat(failure(big)).hasMessage("runbook t.yaml is larger than 1 MiB");
    }

    @Test
    void fileLargerThanOneMebibyteIsRefusedUpFrontAndOneMebibyteLoads(@TempDir Path dir) throws Exception {
        byte[] head = (SERVICE + "#").getBytes(StandardCharsets.UTF_8);
        byte[] exactly = new byte[1 << 20];
        Arrays.fill(exactly, (byte) 'x');
        System.arraycopy(head, 0, exactly, 0, head.length);
        exactly[exactly.length - 1] = '\n';
        Path fits = Files.write(dir.resolve("fits.yaml"), exactly);
        assertThat(loader.load(fits).service().name()).isEqualTo("a");

        byte[] over = Arrays.copyOf(exactly, exactly.length + 1);
        over[over.length - 1] = '\n';
        Path big = Files.write(dir.resolve("big.yaml"), over);
        RunbookException e = (RunbookException) catchThrowable(() -> loader.load(big));
        assertIsOneCleanLine(e);
        assertThat(e).hasMessage("runbook " + big + " is larger than 1 MiB");
    }

    static Stream<Arguments> notUtf8() {
        byte[] latin1 = "service:\n  name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] firstLine = "na\u00efve: 1\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] truncated = Arrays.copyOf("service:\n  name: a\n".getBytes(StandardCharsets.UTF_8), 20);
        truncated[19] = (byte) 0xC3;
        return Stream.of(arguments(latin1, 2), arguments(firstLine, 1), arguments(truncated, 3));
    }

    @ParameterizedTest(name = "invalid byte at line {1}")
    @MethodSource("notUtf8")
    void fileThatIsNotUtf8IsAnErrorNamingTheLineOfTheFirstBadByte(byte[] bytes, int line, @TempDir Path dir)
            throws Exception {
        Path f = Files.write(dir.resolve("latin1.yaml"), bytes);
        RunbookException e = (RunbookException) catchThrowable(() -> loader.load(f));
        assertIsOneCleanLine(e);
        assertThat(e).hasMessage("runbook " + f + " is not UTF-8 text (invalid byte at line " + line + ")");
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

    @Test
    void durationsTakeTheFlagsGrammarSeveralUnitsFromTheLargestDown() {
        Runbook r = loader.parse("t.yaml", SERVICE + "checks: {timeout: 1m30s}\ntriggers: {window: 1h30m, sustain: 2m30s}\n"
                + "decisionMatrix:\n  - {severity: a, minErrorRate: 0, action: x, within: 1d12h}\n");
        assertThat(r.checks().timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(r.triggers().window()).isEqualTo(Duration.ofMinutes(90));
        assertThat(r.triggers().sustain()).isEqualTo(Duration.ofSeconds(150));
        assertThat(r.decisionMatrix().get(0).within()).isEqualTo(Duration.ofHours(36));
    }

    @Test
    void aCheckTimeoutIsAtMostAnHourWhichIsAlsoAllCloudRunGivesARequest() {
        assertThat(loader.parse("t.yaml", SERVICE + "checks: {timeout: 1h}\n").checks().timeout())
                .isEqualTo(Duration.ofHours(1));
        assertThat(failure(SERVICE + "checks:\n  timeout: 1h1s\n")).hasMessage("runbook t.yaml line 4: 'checks.timeout' "
                + "must be at most 1h (one request; Cloud Run ends a request after 60 minutes)");
    }

    @Test
    void scalarsStayAsWrittenWhereTextIsExpectedAndYaml11SpellingsAreRefusedElsewhere() {
        Runbook r = loader.parse("t.yaml", """
                service: {name: yes, project: 0123, region: 1.10}
                checks:
                  functional:
                    - {name: on, path: /x, auth: true, body: '{"args": ["test"]}', expectStatus: 200}
                data:
                  secrets: [1e3, ~x, 'null']
                """);
        assertThat(r.service()).isEqualTo(new Runbook.ServiceConfig("0123", "1.10", "yes", null, null));
        Runbook.HttpCheck c = r.checks().functional().get(0);
        assertThat(c.name()).isEqualTo("on");
        assertThat(c.auth()).isTrue();
        assertThat(c.body()).isEqualTo("{\"args\": [\"test\"]}");
        assertThat(c.expectStatus()).isEqualTo(200);
        assertThat(r.data().secrets()).containsExactly("1e3", "~x", "null");
        // YAML 1.1 would read these as true, 200 and 90 seconds; a runbook says what it means instead.
        assertThat(failure(SERVICE + "checks:\n  functional:\n    - {path: /x, auth: yes}\n")).hasMessage(
                "runbook t.yaml line 5: bad value for 'checks.functional[0].auth': expected true or false, not 'yes'");
        assertThat(failure(SERVICE + "checks:\n  functional:\n    - {path: /x, expectStatus: 0x0C8}\n")).hasMessage(
                "runbook t.yaml line 5: bad value for 'checks.functional[0].expectStatus': expected a whole number, "
                        + "not '0x0C8'");
    }

    @Test
    void everyShippedRunbookInTheRunbooksFolderLoads() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("runbooks"))) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertThat(yaml).hasSizeGreaterThanOrEqualTo(3);
            for (Path f : yaml) {
                assertThat(loader.load(f).service().name()).as(f.toString()).isEqualTo("virtuoso-api");
            }
        }
    }
}

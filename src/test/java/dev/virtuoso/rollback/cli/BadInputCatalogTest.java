package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input catalog (docs/reliability.md): for every command, inputs a tired user or a broken
 * pipeline gives it. Each case must end with its documented exit code and one line on stderr
 * naming the problem (no stack trace), nothing on stdout, zero mutating calls, the service and
 * the journal as they were, and no secret in any output.
 */
class BadInputCatalogTest {
    private static final AtomicInteger CASES = new AtomicInteger();

    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @AfterAll
    static void summary() {
        System.out.println("bad-input catalog: " + CASES.get() + " cases, each its documented exit code, one line, "
                + "0 mutating calls, state unchanged, 0 secrets in output");
    }

    /**
     * One case. {@code args} may use {RB} (the case's runbook file, or the sandbox runbook) and
     * {HOME} (the case's home directory); {@code message} is what the one error line contains.
     */
    record Case(String name, int code, String message, List<String> args, String runbook, Map<String, String> env,
                String journal, Map<String, String> files, Consumer<SandboxControls> sandbox) {
        Case runbook(String text) {
            return new Case(name, code, message, args, text, env, journal, files, sandbox);
        }

        Case env(String key, String value) {
            Map<String, String> e = new HashMap<>(env);
            e.put(key, value);
            return new Case(name, code, message, args, runbook, e, journal, files, sandbox);
        }

        Case journal(String lines) {
            return new Case(name, code, message, args, runbook, env, lines, files, sandbox);
        }

        Case file(String relative, String content) {
            Map<String, String> f = new HashMap<>(files);
            f.put(relative, content);
            return new Case(name, code, message, args, runbook, env, journal, f, sandbox);
        }

        /** The sandbox as someone else left it before the command runs. */
        Case sandbox(Consumer<SandboxControls> setup) {
            return new Case(name, code, message, args, runbook, env, journal, files, setup);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, int code, String message, String... args) {
        return new Case(name, code, message, List.of(args), null, Map.of(), null, Map.of(), controls -> { });
    }

    /** `respond --event FILE --yes` on {@code notification}: refused before anything is read from the cloud. */
    private static Case respond(String name, String notification, String message) {
        return c(name, 2, message, "-r", "{RB}", "respond", "--event", "{HOME}/n.json", "--yes")
                .file("n.json", notification);
    }

    private static Case book(String name, String yaml, String message) {
        return c(name, 2, message, "-r", "{RB}", "status").runbook(yaml);
    }

    private static final String SVC = "apiVersion: rollback/v1\nservice:\n  project: virtuoso-sandbox\n"
            + "  region: us-central1\n  name: virtuoso-api\n";

    /** The runbook's service without a region: each case adds its regions. */
    private static final String FLEET = "apiVersion: rollback/v1\nservice:\n  project: virtuoso-sandbox\n"
            + "  name: virtuoso-api\n";

    /** A journal line as the tool writes it, with the traffic recorded before the step. */
    private static String journalLine(String id, String command, String before) {
        return "{\"id\":\"" + id + "\",\"time\":\"2026-11-30T10:00:00Z\",\"user\":\"tester\",\"command\":\"" + command
                + "\",\"target\":\"projects/virtuoso-sandbox/locations/us-central1/services/virtuoso-api\","
                + "\"kind\":\"traffic\",\"before\":" + before + ",\"after\":[],\"state\":\"verified\","
                + "\"detail\":\"x\",\"changed\":true}\n";
    }

    private static String sandboxRunbook() {
        try {
            return Files.readString(Path.of("runbooks/sandbox.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // --- runbook file ---------------------------------------------------------------
                c("runbook file missing", 2, "runbook {HOME}/nope.yaml not found", "-r", "{HOME}/nope.yaml", "status"),
                book("unknown key", SVC + "checks:\n  timout: 5s\n", "line 7: unknown key 'checks.timout'"),
                book("misspelt nested key", SVC + "checks:\n  health:\n    - pth: /health\n",
                        "unknown key 'checks.health[0].pth'"),
                book("bad duration", SVC + "checks:\n  timeout: soon\n", "'checks.timeout'"),
                book("error rate above 1", SVC + "triggers:\n  errorRate: 1.5\n",
                        "'triggers.errorRate' must be a fraction between 0 and 1"),
                book("duration beyond 100000d", SVC + "triggers:\n  window: 100001d\n",
                        "'triggers.window': '100001d' is out of range: a duration is at most 100000d"),
                book("plain seconds beyond any duration", SVC + "triggers:\n  sustain: 99999999999999999999\n",
                        "'triggers.sustain': '99999999999999999999' is out of range"),
                book("check timeout above an hour", SVC + "checks:\n  timeout: 30d\n",
                        "'checks.timeout' must be at most 1h"),
                book("zero p95 latency", SVC + "triggers:\n  p95Latency: 0s\n", "'triggers.p95Latency'"),
                book("negative minRequests", SVC + "triggers:\n  minRequests: -1\n", "'triggers.minRequests'"),
                book("zero window", SVC + "triggers:\n  window: 0s\n", "'triggers.window' must be positive"),
                book("duplicate key", SVC + "  name: other-service\n", "duplicate key 'service.name'"),
                book("second YAML document", SVC + "---\nservice:\n  name: other-service\n", "line 6"),
                book("empty file", "", "the file is empty"),
                // --- regions (a fleet) ------------------------------------------------------------
                book("both region and regions", SVC + "  regions: [us-central1, europe-west1]\n",
                        "'service.regions' and 'service.region' exclude each other"),
                book("empty regions", FLEET + "  regions: []\n", "'service.regions' must name at least one region"),
                book("a region named twice in regions", FLEET + "  regions: [us-central1, europe-west1, us-central1]\n",
                        "'service.regions' names a region twice"),
                book("an empty name in regions", FLEET + "  regions: [us-central1, '']\n",
                        "'service.regions' must not hold an empty name"),
                c("--region list with an empty name", 2, "--region 'us-central1,,europe-west1' holds an empty region "
                        + "name", "-r", "{RB}", "--region", "us-central1,,europe-west1", "status"),
                c("--region list naming a region twice", 2, "--region 'us-central1,us-central1' names us-central1 twice",
                        "-r", "{RB}", "--region", "us-central1,us-central1", "quick", "--previous", "--yes"),
                c("CLOUDSDK_RUN_REGION list ending with a comma", 2, "CLOUDSDK_RUN_REGION 'us-central1,' holds an "
                        + "empty region name", "-r", "{RB}", "quick", "--previous", "--yes")
                        .env("CLOUDSDK_RUN_REGION", "us-central1,"),
                c("--region list with an invalid name", 2, "'Europe_West1' is not a valid region name", "-r", "{RB}",
                        "--region", "us-central1,Europe_West1", "status"),
                c("several regions for a command that takes one", 2, "several regions given (us-central1, "
                        + "europe-west1): `rollback tag` acts on one region; only status, quick, image, verify, assess "
                        + "run on several", "-r", "{RB}", "--region", "us-central1,europe-west1", "tag", "--yes"),
                c("several regions from the runbook for a command that takes one", 2, "several regions given "
                        + "(us-central1, europe-west1): this command acts on one region", "-r", "{RB}", "alert-policy",
                        "--apply", "--yes").runbook(FLEET + "  regions: [us-central1, europe-west1]\n"),
                c("--url with several regions", 2, "--url is one region's URL; with several regions (us-central1, "
                        + "europe-west1) each is checked at its own service URL", "-r", "{RB}", "--region",
                        "us-central1,europe-west1", "--url", "http://127.0.0.1:1", "quick", "--previous", "--yes"),
                c("verify --junit with several regions", 2, "--junit writes the report of one region", "-r", "{RB}",
                        "--region", "us-central1,europe-west1", "verify", "--junit", "{HOME}/report.xml"),
                book("only comments", "# nothing here\n", "the file is empty"),
                book("journal that is no gs:// URI", SVC + "journal: /var/log/rollback\n", "line 6: 'journal' must be "
                        + "gs://BUCKET or gs://BUCKET/PREFIX, not '/var/log/rollback'"),
                book("journal whose bucket is no bucket name", SVC + "journal: gs://Team_Journal/oncall\n",
                        "'journal' must be gs://BUCKET or gs://BUCKET/PREFIX, not 'gs://Team_Journal/oncall' "
                        + "('Team_Journal' is not a bucket name)"),
                c("ROLLBACK_JOURNAL that is no gs:// URI", 2, "ROLLBACK_JOURNAL must be gs://BUCKET or "
                        + "gs://BUCKET/PREFIX, not 's3://team/journal'", "-r", "{RB}", "quick", "--previous", "--yes")
                        .env("ROLLBACK_JOURNAL", "s3://team/journal"),
                c("--wait-lock that is no duration", 2, "Invalid value for option '--wait-lock': 'forever' is not a "
                        + "duration", "-r", "{RB}", "quick", "--previous", "--wait-lock", "forever", "--yes"),
                c("negative --wait-lock", 2, "Invalid value for option '--wait-lock'", "-r", "{RB}", "quick",
                        "--previous", "--wait-lock", "-5m", "--yes"),
                book("tab-indented YAML", "service:\n\tname: x\n", "not valid YAML"),
                book("wrong apiVersion", SVC.replace("rollback/v1", "rollback/v9"), "'apiVersion' must be rollback/v1"),
                book("no service name", "service:\n  project: p1\n", "'service.name' is required"),
                book("service.url not http", SVC + "  url: ftp://x\n", "'service.url' must be an http(s) URL"),
                book("apiKey with env and secret", SVC + "apiKey:\n  env: K\n  secret: s\n",
                        "'apiKey' needs exactly one of 'env' or 'secret'"),
                book("retries above 10", SVC + "checks:\n  retries: 11\n", "'checks.retries' must be 0..10"),
                book("health path without slash", SVC + "checks:\n  health:\n    - path: health\n",
                        "'checks.health[0].path' must start with '/'"),
                book("unknown HTTP method", SVC + "checks:\n  functional:\n    - {path: /x, method: FETCH}\n",
                        "'checks.functional[0].method' must be one of"),
                book("status outside HTTP", SVC + "checks:\n  functional:\n    - {path: /x, expectStatus: 700}\n",
                        "'checks.functional[0].expectStatus' must be an HTTP status 100..599"),
                book("decision matrix out of order", SVC + "decisionMatrix:\n"
                        + "  - {severity: low, minErrorRate: 0.0, action: a, within: 1h}\n"
                        + "  - {severity: high, minErrorRate: 0.5, action: b, within: 5m}\n",
                        "rows must be ordered by minErrorRate, highest first"),
                book("a list where a block belongs", SVC + "triggers:\n  - 1\n", "'triggers'"),
                c("runbook from ROLLBACK_RUNBOOK missing", 2, "runbook {HOME}/gone.yaml not found", "status")
                        .env("ROLLBACK_RUNBOOK", "{HOME}/gone.yaml"),

                // --- target: project, region, service, URL ---------------------------------------
                c("no project anywhere", 2, "no project", "--service", "virtuoso-api", "status"),
                c("bad project name", 2, "'Bad_Project' is not a valid project name", "-r", "{RB}", "--project",
                        "Bad_Project", "status"),
                c("bad region name", 2, "'us central1' is not a valid region name", "-r", "{RB}", "--region",
                        "us central1", "status"),
                c("unknown service", 2, "not found", "-r", "{RB}", "--service", "no-such-service", "status"),
                c("--url not http", 2, "--url must be an http(s) URL", "-r", "{RB}", "--url", "ftp://x", "verify"),
                c("unknown output format", 2, "Invalid value for option '--output'", "-r", "{RB}", "-o", "yaml",
                        "status"),

                // --- command line ------------------------------------------------------------------
                c("no command", 2, "missing a command"),
                c("unknown command", 2, "Unmatched argument", "frobnicate"),
                c("unknown option", 2, "Unknown option: '--frobnicate'", "quick", "--frobnicate"),
                c("quick without a target", 2, "Missing required argument", "-r", "{RB}", "quick", "--yes"),
                c("quick with two targets", 2, "mutually exclusive", "-r", "{RB}", "quick", "--previous",
                        "--to-latest", "--yes"),
                c("quick --percent 0", 2, "--percent must be between 1 and 100, not 0", "-r", "{RB}", "quick",
                        "--previous", "--percent", "0", "--yes"),
                c("quick --percent 101", 2, "--percent must be between 1 and 100, not 101", "-r", "{RB}", "quick",
                        "--previous", "--percent", "101", "--yes"),
                c("quick --percent not a number", 2, "Invalid value for option '--percent'", "-r", "{RB}", "quick",
                        "--previous", "--percent", "ten", "--yes"),
                c("quick with a reason of two lines", 2, "--reason must be one line of text", "-r", "{RB}", "quick",
                        "--previous", "--yes", "--reason", "bad deploy\nsee INC-4411"),
                c("watch --auto with a reason holding a control character", 2, "--reason must be one line of text",
                        "-r", "{RB}", "watch", "--auto", "--yes", "--reason", "bad\u0007deploy"),
                c("quick to an unknown revision", 2, "revision virtuoso-api-00009-zzz not found in service "
                        + "virtuoso-api", "-r", "{RB}", "quick", "--to-revision", "virtuoso-api-00009-zzz", "--yes"),
                c("quick to another service's revision", 2, "revision other-service-00001-aaa does not belong to "
                        + "service virtuoso-api", "-r", "{RB}", "quick", "--to-revision", "other-service-00001-aaa",
                        "--yes"),
                c("quick to a revision that is not Ready", 2, "revision virtuoso-api-00004-jkl is not Ready", "-r",
                        "{RB}", "quick", "--to-revision", "virtuoso-api-00004-jkl", "--yes"),
                c("quick to an unknown tag", 2, "no tag stable-1999-01-01 on service virtuoso-api (tags: "
                        + "stable-2024-07-24)", "-r", "{RB}", "quick", "--to-tag", "stable-1999-01-01", "--yes"),
                c("quick --to-latest with --percent", 2, "--percent goes with a revision target", "-r", "{RB}",
                        "quick", "--to-latest", "--percent", "50", "--yes"),
                c("quick --percent to the revision serving now", 2, "already serves the most traffic", "-r", "{RB}",
                        "quick", "--to-revision", "virtuoso-api-00003-ghi", "--percent", "10", "--yes"),
                c("quick without --yes and no terminal", 2, "stdin is not a terminal", "-r", "{RB}", "quick",
                        "--previous"),
                c("quick with the API key over plain http", 2, "refusing to send the API key over plain http to "
                        + "example.com", "-r", "{RB}", "--url", "http://example.com", "quick", "--previous", "--yes"),
                c("quick --again without --previous", 2, "--again goes with --previous", "-r", "{RB}", "quick",
                        "--to-latest", "--again", "--yes"),
                c("quick --accept-rolled-back without --to-latest", 2, "--accept-rolled-back goes with --to-latest",
                        "-r", "{RB}", "quick", "--previous", "--accept-rolled-back", "--yes"),
                c("quick --previous right after a rollback", 2, "virtuoso-api-00003-ghi serves because of `quick "
                        + "--to-revision virtuoso-api-00003-ghi` ", "-r", "{RB}", "quick",
                        "--previous", "--yes").journal(journalLine("r-1", "quick --to-revision virtuoso-api-00003-ghi",
                        "[{\"latest\":true,\"percent\":100}]").replace("2026-11-30T10:00:00Z", "{NOW}")
                        .replace("\"changed\":true", "\"changed\":true,\"from\":\"virtuoso-api-00002-def\","
                                + "\"to\":\"virtuoso-api-00003-ghi\"")),
                c("tag with a bad name", 2, "tag 'Stable_1' must be lowercase letters", "-r", "{RB}", "tag",
                        "--name", "Stable_1", "--yes"),
                c("tag already on another revision", 2, "tag stable-2024-07-24 already points to "
                        + "virtuoso-api-00002-def", "-r", "{RB}", "tag", "--name", "stable-2024-07-24", "--yes"),
                c("tag a revision that is not Ready", 2, "revision virtuoso-api-00004-jkl is not Ready (Container "
                        + "failed to start and listen on PORT=8080); refusing to tag it", "-r", "{RB}", "tag",
                        "--revision", "virtuoso-api-00004-jkl", "--yes"),
                c("tag an unknown revision", 2, "revision virtuoso-api-00042-xyz not found", "-r", "{RB}", "tag",
                        "--revision", "virtuoso-api-00042-xyz", "--yes"),
                c("verify an unknown revision", 2, "revision virtuoso-api-00042-xyz not found", "-r", "{RB}",
                        "verify", "--revision", "virtuoso-api-00042-xyz"),
                c("verify the metrics of an unknown revision", 2, "revision virtuoso-api-00042-xyz not found", "-r",
                        "{RB}", "verify", "--metrics", "--revision", "virtuoso-api-00042-xyz"),
                c("verify --junit under a file", 2, "cannot write the JUnit report {HOME}/plain.txt/report.xml",
                        "-r", "{RB}", "verify", "--junit", "{HOME}/plain.txt/report.xml").file("plain.txt", "x"),
                c("verify --junit onto a directory", 2, "it exists and is not a file", "-r", "{RB}", "verify",
                        "--junit", "{HOME}/adir").file("adir/keep", ""),
                c("verify --junit in a directory that does not exist", 2, "cannot write the JUnit report "
                        + "{HOME}/missing/report.xml: the directory {HOME}/missing does not exist (create it first)",
                        "-r", "{RB}", "verify", "--junit", "{HOME}/missing/report.xml"),
                c("verify --revision without a tag", 2, "virtuoso-api-00001-abc has no tag URL, and a revision is "
                        + "reachable on its own only through one: tag it with `rollback tag --revision "
                        + "virtuoso-api-00001-abc --name NAME`", "-r", "{RB}", "verify", "--revision",
                        "virtuoso-api-00001-abc"),
                c("history of an unknown id", 2, "no journal record nope-2; see `rollback history`", "history",
                        "nope-2"),
                c("assess an unknown revision", 2, "revision virtuoso-api-00042-xyz not found", "-r", "{RB}",
                        "assess", "--revision", "virtuoso-api-00042-xyz"),
                c("watch --interval below 1s", 2, "--interval must be at least 1s, not 500ms", "-r", "{RB}",
                        "watch", "--interval", "500ms"),
                c("watch --for 0s", 2, "--for must be a positive duration", "-r", "{RB}", "watch", "--for", "0s"),
                c("watch --interval not a duration", 2, "'soon' is not a duration", "-r", "{RB}", "watch",
                        "--interval", "soon"),
                c("watch --interval beyond any duration", 2, "Invalid value for option '--interval': "
                        + "'999999999999999999d' is too long: a duration is at most 100000d", "-r", "{RB}", "watch",
                        "--interval", "999999999999999999d"),
                c("watch --for with a unit twice", 2, "Invalid value for option '--for': '1h1h' is not a duration",
                        "-r", "{RB}", "watch", "--for", "1h1h"),
                c("git --timeout with its units smallest first", 2, "Invalid value for option '--timeout': '30m1h' "
                        + "is not a duration", "-r", "{RB}", "git", "--repo", "{HOME}", "--timeout", "30m1h", "--yes"),
                c("git --timeout beyond 100000d", 2, "Invalid value for option '--timeout': '100001d' is too long",
                        "-r", "{RB}", "git", "--repo", "{HOME}", "--timeout", "100001d", "--yes"),
                c("drill --detect-timeout beyond what milliseconds hold", 2, "Invalid value for option "
                        + "'--detect-timeout': '99999999999999999999ms' is too long", "-r", "{RB}", "drill",
                        "--bad-revision", "virtuoso-api-00003-ghi", "--detect-timeout", "99999999999999999999ms",
                        "--yes"),
                c("sandbox --metrics-lag beyond 100000d", 2, "Invalid value for option '--metrics-lag': "
                        + "'2400001h' is too long", "sandbox", "--metrics-lag", "2400001h"),
                c("alert-policy --threshold above 1", 2, "--threshold must be a fraction between 0 and 1, not 2.0",
                        "-r", "{RB}", "alert-policy", "--threshold", "2"),
                c("alert-policy --channel not a channel", 2, "--channel 'oncall' is not a notification channel of "
                        + "project virtuoso-sandbox", "-r", "{RB}", "alert-policy", "--apply", "--channel", "oncall",
                        "--yes"),
                c("alert-policy --channel of another project", 2, "is not a notification channel of project "
                        + "virtuoso-sandbox", "-r", "{RB}", "alert-policy", "--apply", "--channel",
                        "projects/other/notificationChannels/42", "--yes"),
                c("drill without a bad revision", 2, "name the known-bad revision with --bad-revision", "-r", "{RB}",
                        "drill", "--yes"),
                c("drill with an unknown bad revision", 2, "revision virtuoso-api-00042-xyz not found", "-r", "{RB}",
                        "drill", "--bad-revision", "virtuoso-api-00042-xyz", "--yes"),
                c("drill with a bad revision that is not Ready", 2, "revision virtuoso-api-00004-jkl is not Ready",
                        "-r", "{RB}", "drill", "--bad-revision", "virtuoso-api-00004-jkl", "--yes"),
                c("drill with the same bad and stable revision", 2, "the bad revision and the stable revision are "
                        + "both virtuoso-api-00002-def", "-r", "{RB}", "drill", "--bad-revision",
                        "virtuoso-api-00002-def", "--stable-revision", "virtuoso-api-00002-def", "--yes"),
                c("drill report folder is a file", 2, "cannot write the drill report directory {HOME}/plain.txt: it "
                        + "exists and is not a directory", "-r", "{RB}", "drill", "--bad-revision",
                        "virtuoso-api-00003-ghi", "--report", "{HOME}/plain.txt", "--yes").file("plain.txt", "x"),
                c("drill report folder in a directory that does not exist", 2, "cannot write the drill report "
                        + "directory {HOME}/missing/drills: the directory {HOME}/missing does not exist", "-r", "{RB}",
                        "drill", "--bad-revision", "virtuoso-api-00003-ghi", "--stable-revision",
                        "virtuoso-api-00002-def", "--report", "{HOME}/missing/drills", "--yes"),
                c("drill whose functional checks cannot run for want of the API key", 2, "the drill needs every "
                        + "check, and the functional checks that send the API key will be inconclusive (API key not "
                        + "available: set API_KEY", "-r", "{RB}", "drill", "--bad-revision", "virtuoso-api-00003-ghi",
                        "--stable-revision", "virtuoso-api-00002-def", "--yes")
                        .runbook(sandboxRunbook().replace("secret: virtuoso-api-key", "env: API_KEY"))
                        .env("API_KEY", ""),
                c("drill --detect-timeout 0s", 2, "--detect-timeout must be positive, not 0ms", "-r", "{RB}", "drill", "--bad-revision",
                        "virtuoso-api-00003-ghi", "--detect-timeout", "0s", "--yes"),
                c("drill without --yes and no terminal", 2, "stdin is not a terminal", "-r", "{RB}", "drill",
                        "--bad-revision", "virtuoso-api-00001-abc", "--stable-revision", "virtuoso-api-00002-def"),

                // --- journal -----------------------------------------------------------------------
                c("history --limit -1", 2, "--limit must be 0 (all) or more, not -1", "history", "--limit", "-1"),
                c("undo with an empty journal", 2, "the journal has no change to undo", "undo", "--yes"),
                c("undo an unknown id", 2, "no journal record nope-1; see `rollback history`", "undo", "nope-1",
                        "--yes"),
                c("undo a tampered journal (150%)", 2, "holds a traffic list Cloud Run would refuse (the percents "
                        + "add up to 150%, not 100%)", "undo", "--yes")
                        .journal(journalLine("t-1", "quick", "[{\"latest\":true,\"percent\":100},"
                                + "{\"latest\":false,\"revision\":\"virtuoso-api-00002-def\",\"percent\":50}]")),
                c("undo a record with an unreadable traffic list", 2, "holds no readable traffic list", "undo", "u-1",
                        "--yes").journal(journalLine("u-1", "quick", "[{\"latest\":true,\"revision\":\"x\","
                        + "\"percent\":100}]")),
                c("undo an alert-policy record without its policy", 2, "journal record a-1 holds no alert policy", "undo", "a-1",
                        "--yes").journal("{\"id\":\"a-1\",\"time\":\"2026-11-30T10:00:00Z\",\"user\":\"t\",\"command\":"
                        + "\"alert-policy\",\"target\":\"projects/p/alertPolicies/x\",\"kind\":\"alert-policy\","
                        + "\"state\":\"applied\",\"changed\":true}\n"),
                // Unreadable is not "none": read as no policy before, undo would delete the policy.
                c("undo an alert-policy record whose policy before is unreadable", 2,
                        "journal record a-2 holds no readable alert policy", "undo", "a-2", "--yes").journal(
                        "{\"id\":\"a-2\",\"time\":\"2026-11-30T10:00:00Z\",\"user\":\"t\",\"command\":"
                        + "\"alert-policy --apply\",\"target\":\"projects/p/alertPolicies/x\",\"kind\":"
                        + "\"alert-policy\",\"before\":[\"edited\"],\"after\":{\"displayName\":\"x\"},"
                        + "\"state\":\"applied\",\"changed\":true}\n"),
                c("history of a damaged journal", 2, "line 1 is damaged (not a journal record)", "history")
                        .journal("{not json\n"),
                c("undo with a damaged journal", 2, "line 2 is damaged", "undo", "--yes")
                        .journal(journalLine("ok-1", "quick", "[{\"latest\":true,\"percent\":100}]") + "garbage\n"),
                c("history of a journal that is not UTF-8", 2, "it is not UTF-8 text", "history")
                        .journal("\u00e9t\u00e9\n"),
                c("journal folder blocked by a file", 2, "cannot write the journal {HOME}/plain.txt/journal.jsonl: a "
                        + "file is in the way", "-r", "{RB}", "quick", "--previous", "--yes")
                        .env("ROLLBACK_HOME", "{HOME}/plain.txt").file("plain.txt", "x"),

                c("--incident-dir that is a file", 2, "cannot write the incident directory (--incident-dir) "
                        + "{HOME}/plain.txt: it exists and is not a directory", "-r", "{RB}", "quick",
                        "--incident-dir", "{HOME}/plain.txt", "--previous", "--yes").file("plain.txt", "x"),
                c("--incident-dir in a directory that does not exist", 2, "cannot write the incident directory "
                        + "(--incident-dir) {HOME}/missing/records: the directory {HOME}/missing does not exist",
                        "-r", "{RB}", "image", "--incident-dir", "{HOME}/missing/records", "--previous", "--yes"),
                c("--incident-dir that is a file, in a dry run", 2, "cannot write the incident directory "
                        + "(--incident-dir) {HOME}/plain.txt: it exists and is not a directory", "-r", "{RB}", "quick",
                        "--previous", "--dry-run", "--incident-dir", "{HOME}/plain.txt").file("plain.txt", "x"),
                c("--since 0s", 2, "--since must be from 1m to 7d, not 0s", "-r", "{RB}", "quick", "--previous",
                        "--since", "0s", "--yes"),
                c("--since shorter than a minute", 2, "--since must be from 1m to 7d, not 30s", "-r", "{RB}",
                        "quick", "--previous", "--since", "30s", "--yes"),
                c("--since longer than a week", 2, "--since must be from 1m to 7d, not 400d", "-r", "{RB}", "image",
                        "--previous", "--since", "400d", "--yes"),
                c("--since negative", 2, "Invalid value for option '--since': '-5m' is not a duration", "-r", "{RB}",
                        "quick", "--previous", "--since", "-5m", "--yes"),
                c("--incident-dir on status, which changes nothing", 2, "Unknown options: '--incident-dir'", "-r",
                        "{RB}", "status", "--incident-dir", "{HOME}/records"),
                c("--since on history, which changes nothing", 2, "Unknown option: '--since'", "history", "--since",
                        "2h"),
                c("--since on verify, which changes nothing", 2, "Unknown options: '--since', '2h'", "-r", "{RB}", "verify",
                        "--since", "2h"),
                c("--since on incident show, which reads a record", 2, "Unknown options: '--since', '2h'", "incident",
                        "show", "0bad", "--since", "2h"),
                c("--incident-dir before the command", 2, "Unknown options: '--incident-dir'", "-r", "{RB}",
                        "--incident-dir", "{HOME}/records", "quick", "--previous", "--yes"),
                c("$ROLLBACK_INCIDENT_DIR that is a file", 2, "cannot write the incident directory ($ROLLBACK_INCIDENT_DIR) "
                        + "{HOME}/plain.txt: it exists and is not a directory", "-r", "{RB}", "quick", "--previous",
                        "--yes").env("ROLLBACK_INCIDENT_DIR", "{HOME}/plain.txt").file("plain.txt", "x"),
                c("incident show of an id with no record", 2, "no incident record 0bad in ", "incident", "show",
                        "0bad"),
                c("incident show without an id", 2, "Missing required parameter: 'ID'", "incident", "show"),

                // --- Methods 2 and 3 ---------------------------------------------------------------
                c("image without a source", 2, "Missing required argument", "image", "--yes"),
                c("image with both --image and --previous", 2, "mutually exclusive", "-r", "{RB}", "image",
                        "--image", "x:1", "--previous", "--yes"),
                c("image with a reference in capitals", 2, "is not an image reference (REGISTRY/PATH:TAG or "
                        + "REGISTRY/PATH@sha256:DIGEST): the path is lowercase", "-r", "{RB}", "image", "--image",
                        "gcr.io/virtuoso-sandbox/Virtuoso-API:v1.0.0", "--yes"),
                c("image with a digest cut short", 2, "a digest is sha256: and 64 hex digits", "-r", "{RB}", "image",
                        "--image", "gcr.io/virtuoso-sandbox/virtuoso-api@sha256:4f2a9c", "--yes"),
                c("git with a --repo that does not exist", 2, "{HOME}/nowhere is not a directory", "-r", "{RB}",
                        "git", "--repo", "{HOME}/nowhere", "--yes"),
                c("git with a --repo that is not a clone", 2, "{HOME}/plain is not a git work tree", "-r", "{RB}",
                        "git", "--repo", "{HOME}/plain", "--yes").file("plain/README.md", "not a repository"),
                c("git --to-latest with --no-push", 2, "--to-latest routes to the revision CI deploys", "-r", "{RB}",
                        "git", "--repo", "{HOME}", "--to-latest", "--no-push", "--yes"),
                c("drill with both a bad revision and a bad image", 2, "two ways to name the bad revision", "-r",
                        "{RB}", "drill", "--bad-revision", "virtuoso-api-00003-ghi", "--bad-image", "x:1", "--yes"),

                // --- restore firestore ---------------------------------------------------------------
                c("restore firestore without --from", 2, "Missing required option: '--from=gs://BUCKET/PREFIX'",
                        "-r", "{RB}", "restore", "firestore", "--yes"),
                c("restore firestore from a path that is not gs://", 2, "--from must be gs://BUCKET/PREFIX", "-r",
                        "{RB}", "restore", "firestore", "--from", "/backups/2024-07-24", "--yes"),
                c("restore firestore from a bare bucket", 2, "--from must be gs://BUCKET/PREFIX", "-r", "{RB}",
                        "restore", "firestore", "--from", "gs://virtuoso-sandbox-backups", "--yes"),
                c("restore firestore from a prefix that is not a completed export", 2, "gs://virtuoso-sandbox-backups/"
                        + "notes is not a completed Firestore export (checked for gs://virtuoso-sandbox-backups/notes/"
                        + "notes.overall_export_metadata", "-r", "{RB}", "restore", "firestore", "--from",
                        "gs://virtuoso-sandbox-backups/notes", "--yes"),
                c("restore firestore from a prefix that holds nothing", 2, "is not a completed Firestore export", "-r",
                        "{RB}", "restore", "firestore", "--from", "gs://virtuoso-sandbox-backups/2024-07-24", "--yes"),
                c("restore firestore into an unknown database", 2, "Firestore database nope of project "
                        + "virtuoso-sandbox does not exist", "-r", "{RB}", "restore", "firestore", "--database", "nope",
                        "--from", "gs://virtuoso-sandbox-backups/notes", "--yes"),
                c("restore firestore with a backup destination that is not gs://", 2, "--backup-to must be "
                        + "gs://BUCKET/PREFIX", "-r", "{RB}", "restore", "firestore", "--from",
                        "gs://virtuoso-sandbox-backups/notes", "--backup-to", "backups/before", "--yes"),
                c("restore firestore with no backup bucket and no --backup-to", 2, "nowhere to back up (default) "
                        + "before the import: pass --backup-to", "-r", "{RB}", "restore", "firestore", "--from",
                        "gs://virtuoso-sandbox-backups/notes", "--yes").runbook("apiVersion: rollback/v1\nservice:\n"
                        + "  project: virtuoso-sandbox\n  region: us-central1\n  name: virtuoso-api\n"),
                c("restore firestore --list of an unknown database", 2, "Firestore database nope of project "
                        + "virtuoso-sandbox does not exist", "-r", "{RB}", "restore", "firestore", "--list",
                        "--database", "nope"),
                c("restore firestore --list with --from", 2, "--list only reads", "-r", "{RB}", "restore",
                        "firestore", "--list", "--from", "gs://virtuoso-sandbox-backups/notes"),

                // --- commands of later issues still parse their input --------------------------------
                c("restore bigquery without --table", 2, "Missing required option", "restore", "bigquery", "--at",
                        "-2h"),
                c("restore bigquery table without a dataset", 2, "--table 'command_executions' must name a dataset "
                        + "and a table", "-r", "{RB}", "restore", "bigquery", "--table", "command_executions", "--at",
                        "-2h", "--yes"),
                c("restore bigquery --at in the future", 2, "is in the future", "-r", "{RB}", "restore", "bigquery",
                        "--table", "analytics.command_executions", "--at", "2099-01-01T00:00:00Z", "--yes"),
                c("restore bigquery --at outside the time-travel window", 2, "--at 1690234800000 "
                        + "(2023-07-24T21:40:00Z) is outside the time-travel window of dataset "
                        + "virtuoso-sandbox.analytics (maxTimeTravelHours 168", "-r", "{RB}", "restore", "bigquery",
                        "--table", "analytics.command_executions", "--at", "1690234800000", "--yes"),
                c("restore bigquery --at 8 days back", 2, "the oldest usable time is", "-r", "{RB}", "restore",
                        "bigquery", "--table", "analytics.daily_totals", "--at", "-8d", "--yes"),
                c("restore bigquery --at not a time", 2, "--at 'yesterday' is not a time", "-r", "{RB}", "restore",
                        "bigquery", "--table", "analytics.daily_totals", "--at", "yesterday", "--yes"),
                c("restore bigquery --at a time of day without a zone", 2, "--at '2026-12-06T19:27:12' has no time "
                        + "zone, so it could be any of 24 hours: add Z (UTC) or an offset, e.g. 2026-12-06T19:27:12Z or "
                        + "2026-12-06T19:27:12+01:00", "-r", "{RB}", "restore", "bigquery", "--table",
                        "analytics.daily_totals", "--at", "2026-12-06T19:27:12", "--yes"),
                c("restore bigquery --at in epoch seconds", 2, "--at '1796585232' looks like seconds: "
                        + "2026-12-06T19:27:12Z? give milliseconds (1796585232000), or that instant", "-r", "{RB}",
                        "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "1796585232", "--yes"),
                c("restore bigquery --at epoch 0", 2, "--at 0 (1970-01-01T00:00:00Z) is outside the time-travel "
                        + "window", "-r", "{RB}", "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "0",
                        "--yes"),
                c("restore bigquery --at further back than any duration", 2, "--at '-999999999999999999d' is too far "
                        + "back: a duration is at most 100000d", "-r", "{RB}", "restore", "bigquery", "--table",
                        "analytics.daily_totals", "--at", "-999999999999999999d", "--yes"),
                c("restore bigquery --at with its units smallest first", 2, "--at '-30m1h' is not a time", "-r",
                        "{RB}", "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-30m1h", "--yes"),
                c("restore firestore --timeout beyond 100000d", 2, "Invalid value for option '--timeout': '100001d' "
                        + "is too long", "-r", "{RB}", "restore", "firestore", "--from",
                        "gs://virtuoso-sandbox-backups/x", "--timeout", "100001d", "--yes"),
                c("restore bigquery --at 2h without the minus", 2, "a time before now is written -2h", "-r", "{RB}",
                        "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "2h", "--yes"),
                c("restore bigquery unknown table", 2, "table virtuoso-sandbox.analytics.nope not found", "-r", "{RB}",
                        "restore", "bigquery", "--table", "analytics.nope", "--at", "-2h", "--yes"),
                c("restore bigquery unknown dataset", 2, "dataset virtuoso-sandbox.nope not found", "-r", "{RB}",
                        "restore", "bigquery", "--table", "nope.daily_totals", "--at", "-2h", "--yes"),
                c("restore bigquery with both --at and --from-snapshot", 2, "--at and --from-snapshot are two ways",
                        "-r", "{RB}", "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h",
                        "--from-snapshot", "daily_totals_snap", "--yes"),
                c("restore bigquery with neither --at nor --from-snapshot", 2, "name what to restore to: --at TIME",
                        "-r", "{RB}", "restore", "bigquery", "--table", "analytics.daily_totals", "--yes"),
                c("restore bigquery from an unknown snapshot", 2, "--from-snapshot: table "
                        + "virtuoso-sandbox.analytics.nope not found", "-r", "{RB}", "restore", "bigquery", "--table",
                        "analytics.daily_totals", "--from-snapshot", "nope", "--yes"),
                c("restore bigquery from a table that is not a snapshot", 2, "is a TABLE, not a table snapshot", "-r",
                        "{RB}", "restore", "bigquery", "--table", "analytics.daily_totals", "--from-snapshot",
                        "command_executions", "--yes"),
                c("restore bigquery without --yes and no terminal", 2, "stdin is not a terminal", "-r", "{RB}",
                        "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h"),
                c("restore bigquery of a table that requires a partition filter", 2, "requires a partition filter",
                        "-r", "{RB}", "restore", "bigquery", "--table", "analytics.command_executions", "--at", "-2h",
                        "--yes").sandbox(c -> c.requireBigQueryPartitionFilter("analytics", "command_executions")),
                c("restore bigquery to a time of a table partitioned by ingestion time", 2, "partitioned by ingestion "
                        + "time", "-r", "{RB}", "restore", "bigquery", "--table", "analytics.command_executions",
                        "--at", "-2h", "--yes").sandbox(c -> c.partitionBigQueryTableByIngestionTime("analytics",
                        "command_executions")),
                c("restore secrets without --to-version", 2, "Missing required option", "restore", "secrets",
                        "--secret", "virtuoso-api-key"),
                c("restore firestore --timeout 0s", 2, "--timeout must be positive, not 0ms", "-r", "{RB}",
                        "restore", "firestore", "--from", "gs://virtuoso-sandbox-backups/x", "--timeout", "0s", "--yes"),
                c("restore bigquery --timeout 0s", 2, "--timeout must be positive, not 0ms", "-r", "{RB}",
                        "restore", "bigquery", "--table", "analytics.daily_totals", "--at", "-2h", "--timeout", "0s",
                        "--yes"),
                c("restore secrets of an unknown secret", 2, "not found: secret projects/virtuoso-sandbox/secrets/"
                        + "no-such-secret", "-r", "{RB}", "restore", "secrets", "--secret", "no-such-secret",
                        "--to-version", "1", "--yes"),
                c("restore secrets to an unknown version", 2, "secret virtuoso-api-key has no version 9 (versions: 1 "
                        + "ENABLED, 2 ENABLED, 3 DISABLED)", "-r", "{RB}", "restore", "secrets", "--secret",
                        "virtuoso-api-key", "--to-version", "9", "--yes"),
                c("restore secrets to a version that is not a number", 2, "--to-version must be a version number",
                        "-r", "{RB}", "restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "latest",
                        "--yes"),
                c("restore secrets to a DESTROYED version", 2, "version 1 of secret virtuoso-api-key is DESTROYED",
                        "-r", "{RB}", "restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "1", "--yes")
                        .sandbox(s -> s.apiKeyVersion(1, com.google.cloud.secretmanager.v1.SecretVersion.State.DESTROYED)),
                c("restore secrets add-version from a DISABLED version", 2, "version 3 of secret virtuoso-api-key is "
                        + "DISABLED, so its payload cannot be copied", "-r", "{RB}", "restore", "secrets", "--secret",
                        "virtuoso-api-key", "--to-version", "3", "--yes"),
                c("restore secrets with an unknown strategy", 2, "--strategy must be add-version or disable-newer, "
                        + "not delete-newer", "-r", "{RB}", "restore", "secrets", "--secret", "virtuoso-api-key",
                        "--to-version", "2", "--strategy", "delete-newer", "--yes"),
                c("restore secrets disable-newer while the service reads latest", 2, "reads secret virtuoso-api-key "
                        + "as latest (env API_KEY); latest would be a disabled version, unreadable", "-r", "{RB}",
                        "restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "1", "--strategy",
                        "disable-newer", "--yes").sandbox(SandboxControls::apiKeyReadAsLatest),
                c("restore secrets disable-newer of a version the service pins", 2, "pins secret virtuoso-api-key "
                        + "version 2 (env API_KEY), which this disables", "-r", "{RB}", "restore", "secrets",
                        "--secret", "virtuoso-api-key", "--to-version", "1", "--strategy", "disable-newer", "--yes"),
                c("sandbox --grpc-port not a number", 2, "Invalid value for option '--grpc-port'", "sandbox",
                        "--grpc-port", "http"),
                c("sandbox --git-branch without --git-repo", 2, "Missing required argument(s): --git-repo=DIR",
                        "sandbox", "--git-branch", "dev"),
                c("sandbox --service with a name Cloud Run refuses", 2, "'virtuoso_api' is not a name Cloud Run "
                        + "allows for a service", "sandbox", "--service", "virtuoso_api"),
                c("sandbox --git-repo that is not a bare repository", 2, "{HOME}/plain is not a bare git repository "
                        + "(pushes need one: git init --bare {HOME}/plain)", "sandbox", "--git-repo", "{HOME}/plain")
                        .file("plain/README.md", "not a repository"),
                // --- respond: a notification that is not one (nothing read from the cloud, nothing changed) ---
                respond("respond: notification not JSON", "{\"incident\": ", "n.json is not JSON (line 1, column"),
                respond("respond: notification empty", "", "n.json is empty: expected a Cloud Monitoring incident "
                        + "notification (JSON)"),
                respond("respond: JSON without an incident", "{\"version\": \"1.2\"}", "n.json has no \"incident\" "
                        + "object: not a Cloud Monitoring incident notification"),
                respond("respond: incident without an id", "{\"incident\": {\"state\": \"open\"}}",
                        "n.json has no incident.incident_id"),
                respond("respond: incident id with a line break", "{\"incident\": {\"incident_id\": \"0.a\\nb\", "
                        + "\"state\": \"open\"}}", "n.json has an incident.incident_id that is not a printable word"),
                respond("respond: incident state neither open nor closed", "{\"incident\": {\"incident_id\": \"0.a\", "
                        + "\"state\": \"acknowledged\"}}", "incident.state must be \"open\" or \"closed\", not "
                        + "\"acknowledged\""),
                respond("respond: notification version 2", "{\"version\": \"2.0\", \"incident\": {}}",
                        "has version \"2.0\": only Cloud Monitoring's notification versions 1.x are understood"),
                respond("respond: Pub/Sub envelope without data", "{\"message\": {\"messageId\": \"1\"}}",
                        "n.json is a Pub/Sub envelope without message.data"),
                respond("respond: Pub/Sub data not base64", "{\"message\": {\"data\": \"%%%\"}}",
                        "message.data of the Pub/Sub envelope in {HOME}/n.json is not base64"),
                respond("respond: Pub/Sub data not JSON", "{\"message\": {\"data\": \"bm90IGpzb24=\"}}",
                        "message.data of {HOME}/n.json is not JSON"),
                c("respond: --event file missing", 2, "--event {HOME}/none.json cannot be read (no such file)", "-r",
                        "{RB}", "respond", "--event", "{HOME}/none.json", "--yes"),
                c("respond: --serve with --event", 2, "--serve reads each notification from a request: --event does "
                        + "not go with it", "-r", "{RB}", "respond", "--serve", "--event", "{HOME}/n.json"),
                c("respond: --serve on a PORT that is no number", 2, "$PORT must be a port number, not 'http'", "-r",
                        "{RB}", "respond", "--serve").env("PORT", "http"),
                c("alert-policy --pubsub-topic that is no topic name", 2, "--pubsub-topic 'projects/virtuoso-sandbox/"
                        + "topics/a b' is not a Pub/Sub topic", "-r", "{RB}", "alert-policy", "--apply", "--yes",
                        "--pubsub-topic", "projects/virtuoso-sandbox/topics/a b"),
                c("status with an option of another command", 2, "Unknown options: '--revision'", "-r", "{RB}",
                        "status", "--revision", "virtuoso-api-00002-def"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void endsWithItsExitCodeOneLineAndNothingChanged(Case k) throws Exception {
        Path home = cli.home;
        Path rb = Path.of("runbooks/sandbox.yaml");
        if (k.runbook() != null) {
            rb = home.resolve("rb.yaml");
            Files.writeString(rb, k.runbook());
        }
        for (var f : k.files().entrySet()) {
            Path p = home.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        Path journal = home.resolve("journal.jsonl");
        if (k.journal() != null) {
            // Written as Latin-1 so the non-UTF-8 case gets its bytes; the other journals are ASCII.
            Files.write(journal, k.journal().replace("{NOW}", java.time.Instant.now().toString())
                    .getBytes(StandardCharsets.ISO_8859_1));
            Files.setPosixFilePermissions(journal, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        k.sandbox().accept(cli.controls);
        int callsBefore = cli.controls.mutatingCalls();
        byte[] journalBefore = Files.exists(journal) ? Files.readAllBytes(journal) : null;
        var serviceBefore = cli.service();
        List<String> args = new ArrayList<>();
        for (String a : k.args()) {
            args.add(a.replace("{RB}", rb.toString()).replace("{HOME}", home.toString()));
        }
        Map<String, String> env = new HashMap<>();
        k.env().forEach((name, value) -> env.put(name, value.replace("{HOME}", home.toString())));

        CliHarness.Result r = cli.run(env, args.toArray(String[]::new));

        String expected = k.message().replace("{HOME}", home.toString());
        assertThat(r.code()).as(k.name() + ": " + r.err()).isEqualTo(k.code());
        assertThat(r.err().lines().toList()).as(k.name()).hasSize(1);
        assertThat(r.err()).as(k.name()).startsWith("error: ").contains(expected).doesNotContain("\tat ")
                .doesNotContain("Exception").doesNotContain("dev.virtuoso");
        assertThat(r.out()).as(k.name()).isEmpty();
        assertThat(cli.controls.mutatingCalls()).as(k.name()).isEqualTo(callsBefore);
        assertThat(cli.service()).as(k.name()).isEqualTo(serviceBefore);
        assertThat(Files.exists(journal) ? Files.readAllBytes(journal) : null).as(k.name()).isEqualTo(journalBefore);
        assertThat(r.out() + r.err()).doesNotContain(Sandbox.API_KEY);
        CASES.incrementAndGet();
    }
}

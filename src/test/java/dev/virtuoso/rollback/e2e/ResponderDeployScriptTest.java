package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/responder.sh, run with a fake gcloud and a fake rollback first on PATH: each appends the arguments it was
 * called with, one a line, to a log, so the test reads exactly what a real run would ask of Google Cloud.
 */
class ResponderDeployScriptTest {
    static final Path SCRIPT = Path.of("deploy/responder.sh");
    static final String PROJECT = "my-proj-1";
    static final String NUMBER = "123456789012";
    static final String RESPONDER = "serviceAccount:rollback-responder@my-proj-1.iam.gserviceaccount.com";
    static final String PUSHER_EMAIL = "rollback-responder-push@my-proj-1.iam.gserviceaccount.com";
    static final String PUSHER = "serviceAccount:" + PUSHER_EMAIL;
    static final String URL = "https://rollback-responder-" + NUMBER + ".europe-west1.run.app";
    static final String IMAGE = "europe-west1-docker.pkg.dev/my-proj-1/tools/responder:0.1.0";

    @TempDir
    Path dir;
    Path log;
    Path runbook;

    record Run(int code, String out, String err, List<List<String>> calls) {
        /** The calls whose arguments start with these words. */
        List<List<String>> starting(String... words) {
            return calls.stream().filter(c -> c.size() >= words.length && c.subList(0, words.length).equals(List.of(words)))
                    .toList();
        }

        List<String> only(String... words) {
            List<List<String>> found = starting(words);
            assertThat(found).as(String.join(" ", words)).hasSize(1);
            return found.get(0);
        }
    }

    @BeforeEach
    void fakes() throws IOException {
        log = dir.resolve("calls.log");
        runbook = Files.writeString(dir.resolve("production.yaml"), "apiVersion: rollback/v1\n");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // Each fake logs its name and arguments, one a line, and a blank line after the call. gcloud's describe
        // and access answer as FAKE_DESCRIBE_EXIT says (1: nothing exists yet), except the two values the script
        // reads; an access that succeeds writes FAKE_STORED, the runbook stored before.
        String logCall = "{ printf '%s\\n' \"$(basename \"$0\")\"; printf '%s\\n' \"$@\"; echo; } >> \"$FAKE_LOG\"\n";
        fake(bin.resolve("gcloud"), logCall + """
                for a in "$@"; do
                  case $a in
                    --format=value\\(status.url\\)) echo "$FAKE_URL"; exit 0 ;;
                    --format=value\\(projectNumber\\)) echo "$FAKE_NUMBER"; exit 0 ;;
                  esac
                done
                code=0
                for a in "$@"; do
                  case $a in
                    describe | access) code=${FAKE_DESCRIBE_EXIT:-1} ;;
                  esac
                done
                for a in "$@"; do
                  case $a in
                    --out-file=*) [ "$code" = 0 ] && [ -n "${FAKE_STORED:-}" ] && cp "$FAKE_STORED" "${a#--out-file=}" ;;
                  esac
                done
                exit "$code"
                """);
        fake(bin.resolve("rollback"), logCall + "exit 0\n");
    }

    @Test
    void shellcheckFindsNothingInTheDeployScript() throws Exception {
        assertThat(Files.readAllLines(SCRIPT).get(0)).isEqualTo("#!/usr/bin/env bash");
        assertThat(Files.isExecutable(SCRIPT)).isTrue();
        List<String> command = List.of("shellcheck", "--shell=bash", "--severity=style", "--format=gcc",
                SCRIPT.toString());
        TestTools.require("shellcheck", "shellcheck", "deploy/responder.sh was");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String findings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(findings).as("shellcheck findings").isEmpty();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
    }

    @Test
    void theResponderIsDeployedPrivateWithOneInstanceOneRequestAndTheSharedJournal() throws Exception {
        Run run = run(Map.of("FAKE_DESCRIBE_EXIT", "1"), fullFlags());
        assertThat(run.code()).as(run.err()).isZero();

        List<String> deploy = run.only("gcloud", "run", "deploy", "rollback-responder");
        assertThat(deploy).contains("--project=" + PROJECT, "--region=europe-west1", "--image=" + IMAGE,
                "--service-account=" + RESPONDER.substring("serviceAccount:".length()), "--no-allow-unauthenticated",
                "--min-instances=0", "--max-instances=1", "--concurrency=1", "--timeout=600",
                "--set-env-vars=ROLLBACK_RUNBOOK=/etc/rollback/runbook.yaml,ROLLBACK_JOURNAL=gs://team-journal/prod",
                "--set-secrets=/etc/rollback/runbook.yaml=rollback-runbook:latest");
        assertThat(deploy).doesNotContain("--allow-unauthenticated");
        assertThat(run.only("gcloud", "secrets", "versions", "add", "rollback-runbook"))
                .contains("--data-file=" + runbook);
    }

    @Test
    void everyRoleIsGrantedOnTheOneResourceThatNeedsItAndNoOtherRoleIsGranted() throws Exception {
        Run run = run(Map.of("FAKE_DESCRIBE_EXIT", "1"), fullFlags());
        assertThat(run.code()).as(run.err()).isZero();

        Set<String> grants = run.calls().stream().filter(c -> c.contains("add-iam-policy-binding"))
                .map(ResponderDeployScriptTest::grant).collect(Collectors.toSet());
        assertThat(grants).containsExactlyInAnyOrder(
                "run services virtuoso-api: " + RESPONDER + " roles/run.developer",
                "iam service-accounts virtuoso-api@my-proj-1.iam.gserviceaccount.com: " + RESPONDER
                        + " roles/iam.serviceAccountUser",
                "projects my-proj-1: " + RESPONDER + " roles/monitoring.viewer",
                "projects my-proj-1: " + RESPONDER + " projects/my-proj-1/roles/rollbackResponderOperations",
                "storage buckets gs://team-journal: " + RESPONDER + " roles/storage.objectUser",
                "secrets rollback-runbook: " + RESPONDER + " roles/secretmanager.secretAccessor",
                "secrets virtuoso-api-key: " + RESPONDER + " roles/secretmanager.secretAccessor",
                "secrets virtuoso-api-key: " + RESPONDER + " roles/secretmanager.viewer",
                "secrets db-password: " + RESPONDER + " roles/secretmanager.viewer",
                "run services rollback-responder: " + PUSHER + " roles/run.invoker",
                "iam service-accounts " + PUSHER_EMAIL + ": serviceAccount:service-" + NUMBER
                        + "@gcp-sa-pubsub.iam.gserviceaccount.com roles/iam.serviceAccountTokenCreator",
                "pubsub topics rollback-incidents: serviceAccount:service-" + NUMBER
                        + "@gcp-sa-monitoring-notification.iam.gserviceaccount.com roles/pubsub.publisher");
        // The role granted on the project to wait for an update holds that one permission.
        assertThat(run.only("gcloud", "iam", "roles", "create", "rollbackResponderOperations"))
                .contains("--project=" + PROJECT, "--permissions=run.operations.get");
        // The target service's grant names its region, the responder's its own.
        assertThat(run.only("gcloud", "run", "services", "add-iam-policy-binding", "virtuoso-api"))
                .contains("--region=europe-west1");
    }

    @Test
    void thePushSubscriptionAuthenticatesAsThePushAccountNeverExpiresAndTheAlertPolicyNotifiesItsTopic()
            throws Exception {
        Run run = run(Map.of("FAKE_DESCRIBE_EXIT", "1"), fullFlags());
        assertThat(run.code()).as(run.err()).isZero();

        assertThat(run.only("gcloud", "pubsub", "topics", "create", "rollback-incidents")).contains("--project=" + PROJECT);
        assertThat(run.only("gcloud", "pubsub", "subscriptions", "create", "rollback-incidents-push")).contains(
                "--topic=rollback-incidents", "--push-endpoint=" + URL, "--push-auth-service-account=" + PUSHER_EMAIL,
                "--ack-deadline=600", "--expiration-period=never");
        List<String> apply = run.only("rollback");
        assertThat(apply).containsExactly("rollback", "-r", runbook.toString(), "alert-policy", "--apply",
                "--pubsub-topic", "projects/my-proj-1/topics/rollback-incidents");
        // Monitoring's agent exists once the project has a Pub/Sub channel: it is granted after the policy made one.
        int policy = run.calls().indexOf(apply);
        int publisher = run.calls().indexOf(run.only("gcloud", "pubsub", "topics", "add-iam-policy-binding"));
        assertThat(publisher).isGreaterThan(policy);
    }

    @Test
    void aSecondRunCreatesNothingThatExistsUpdatesTheSubscriptionAndGrantsAgain() throws Exception {
        Run run = run(Map.of("FAKE_DESCRIBE_EXIT", "0"), fullFlags());
        assertThat(run.code()).as(run.err()).isZero();

        assertThat(run.calls()).noneMatch(c -> c.size() > 3 && c.get(3).equals("create"))
                .noneMatch(c -> c.size() > 2 && c.get(2).equals("create"));
        assertThat(run.only("gcloud", "pubsub", "subscriptions", "update", "rollback-incidents-push")).contains(
                "--push-endpoint=" + URL, "--push-auth-service-account=" + PUSHER_EMAIL, "--ack-deadline=600",
                "--expiration-period=never");
        assertThat(run.starting("gcloud", "run", "deploy")).hasSize(1);
        assertThat(run.calls().stream().filter(c -> c.contains("add-iam-policy-binding"))).hasSize(12);
    }

    @Test
    void aRunbookTheSecretAlreadyHoldsAddsNoVersionAndAChangedOneDoes() throws Exception {
        Run same = run(Map.of("FAKE_DESCRIBE_EXIT", "0", "FAKE_STORED", runbook.toString()), fullFlags());
        assertThat(same.code()).as(same.err()).isZero();
        assertThat(same.starting("gcloud", "secrets", "versions", "add")).isEmpty();

        Files.delete(log);
        Path older = Files.writeString(dir.resolve("older.yaml"), "apiVersion: rollback/v1\n# before\n");
        Run changed = run(Map.of("FAKE_DESCRIBE_EXIT", "0", "FAKE_STORED", older.toString()), fullFlags());
        assertThat(changed.code()).as(changed.err()).isZero();
        assertThat(changed.only("gcloud", "secrets", "versions", "add", "rollback-runbook"))
                .contains("--data-file=" + runbook);
    }

    @Test
    void withoutASharedJournalTheScriptRefusesWithExit2AndCallsNothing() throws Exception {
        List<String> flags = new ArrayList<>(fullFlags());
        int at = flags.indexOf("--journal");
        flags.remove(at + 1);
        flags.remove(at);
        Run run = run(Map.of(), flags);

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: no shared journal: give --journal gs://BUCKET[/PREFIX] or set "
                + "ROLLBACK_JOURNAL.");
        assertThat(run.out()).isEmpty();
        assertThat(log).doesNotExist();
    }

    @Test
    void eachBadInputIsRefusedWithExit2BeforeAnyCall() throws Exception {
        Map<String, String> bad = Map.of(
                "--journal", "/var/lib/rollback",
                "--region", "europe west1",
                "--runbook", dir.resolve("missing.yaml").toString(),
                "--target-service-account", "virtuoso-api",
                "--name", "a-responder-name-too-long-for-accounts",
                "--secret", "api key; rm -rf /",
                "--project-number", "12ab");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            List<String> flags = new ArrayList<>(fullFlags());
            flags.set(flags.indexOf(e.getKey()) + 1, e.getValue());
            Run run = run(Map.of(), flags);
            assertThat(run.code()).as(e.getKey() + " " + e.getValue() + ": " + run.err()).isEqualTo(2);
            assertThat(run.err()).as(e.getKey()).startsWith("error: ");
            assertThat(log).as(e.getKey()).doesNotExist();
        }
    }

    @Test
    void dryRunCallsNothingAndPrintsExactlyTheCommandsARunMakes() throws Exception {
        List<String> flags = new ArrayList<>(fullFlags());
        flags.add("--dry-run");
        Run dry = run(Map.of(), flags);
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(log).doesNotExist();
        assertThat(dry.out()).contains("\ngcloud run deploy rollback-responder --project=my-proj-1 ");

        // What it printed, run by bash with the fakes, makes the calls a real run makes (reads aside).
        Run real = run(Map.of("FAKE_DESCRIBE_EXIT", "1"), fullFlags());
        Files.delete(log);
        Process bash = process(List.of("bash", "-s"), Map.of());
        bash.getOutputStream().write(dry.out().getBytes(StandardCharsets.UTF_8));
        bash.getOutputStream().close();
        Outputs replayed = Outputs.of(bash, 60);
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(calls()).isEqualTo(real.calls().stream()
                .filter(c -> !c.contains("describe") && !c.contains("access")).toList());
    }

    @Test
    void aRunbookThatReadsEnvironmentVariablesIsWarnedAboutNamingEachLineAndOneThatDoesNotIsNot() throws Exception {
        List<String> flags = new ArrayList<>(fullFlags());
        flags.add("--dry-run");
        Run quiet = run(Map.of(), flags);
        assertThat(quiet.err()).doesNotContain("warning");

        Files.writeString(runbook, "apiVersion: rollback/v1\napiKey:\n  env: API_KEY\nnotify:\n"
                + "  slackWebhook: {env: SLACK_WEBHOOK_URL}\n");
        Run warned = run(Map.of(), flags);
        assertThat(warned.code()).isZero();
        assertThat(warned.err()).contains("warning: " + runbook + " reads environment variables, which the "
                + "responder does not have", "  line 3:  env: API_KEY", "  line 5:  slackWebhook: {env: SLACK_WEBHOOK_URL}");
    }

    @Test
    void dryRunWithoutTheProjectNumberSaysWhereItGoes() throws Exception {
        List<String> flags = new ArrayList<>(fullFlags());
        int at = flags.indexOf("--project-number");
        flags.remove(at + 1);
        flags.remove(at);
        flags.add("--dry-run");
        Run dry = run(Map.of(), flags);

        assertThat(dry.code()).isZero();
        assertThat(log).doesNotExist();
        assertThat(dry.err()).contains("PROJECT_NUMBER");
        assertThat(dry.out()).contains("serviceAccount:service-PROJECT_NUMBER@gcp-sa-monitoring-notification");
    }

    private List<String> fullFlags() {
        return new ArrayList<>(List.of("--project", PROJECT, "--region", "europe-west1", "--image", IMAGE,
                "--runbook", runbook.toString(), "--journal", "gs://team-journal/prod",
                "--target-service", "virtuoso-api",
                "--target-service-account", "virtuoso-api@my-proj-1.iam.gserviceaccount.com",
                "--secret", "virtuoso-api-key", "--target-secret", "db-password", "--project-number", NUMBER,
                "--name", "rollback-responder"));
    }

    private Run run(Map<String, String> env, List<String> flags) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(SCRIPT.toString());
        command.addAll(flags);
        Process p = process(command, env);
        p.getOutputStream().close();
        Outputs outputs = Outputs.of(p, 60);
        return new Run(outputs.code(), outputs.out(), outputs.err(), calls());
    }

    private Process process(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> e = pb.environment();
        // Only what the test gives: a developer's own gcloud settings or journal must not leak into the run.
        for (String v : List.of("CLOUDSDK_CORE_PROJECT", "CLOUDSDK_RUN_REGION", "RESPONDER_IMAGE", "ROLLBACK_RUNBOOK",
                "ROLLBACK_JOURNAL")) {
            e.remove(v);
        }
        e.put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        e.put("FAKE_LOG", log.toString());
        e.put("FAKE_URL", URL);
        e.put("FAKE_NUMBER", NUMBER);
        e.putAll(env);
        return pb.start();
    }

    private List<List<String>> calls() throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<List<String>> calls = new ArrayList<>();
        List<String> call = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.isEmpty()) {
                calls.add(call);
                call = new ArrayList<>();
            } else {
                call.add(line);
            }
        }
        return calls;
    }

    /** "KIND... RESOURCE: MEMBER ROLE" of an add-iam-policy-binding call. */
    private static String grant(List<String> call) {
        int verb = call.indexOf("add-iam-policy-binding");
        Map<String, String> flags = new HashMap<>();
        for (String a : call) {
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                flags.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        return String.join(" ", call.subList(1, verb)) + " " + call.get(verb + 1) + ": " + flags.get("--member") + " "
                + flags.get("--role");
    }

    private static void fake(Path path, String body) throws IOException {
        Files.writeString(path, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}

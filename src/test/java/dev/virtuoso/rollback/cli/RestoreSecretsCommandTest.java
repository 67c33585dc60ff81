package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.secretmanager.v1.SecretVersion;
import dev.virtuoso.rollback.sandbox.Sandbox;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * `restore secrets` against the sandbox's Secret Manager with the real client. The seeded key: versions 1
 * and 2 ENABLED, 3 DISABLED by hand after a bad rotation, so latest (3) is unreadable; the serving
 * revision pins version 2 through the API_KEY variable.
 */
class RestoreSecretsCommandTest {
    private static final String[] PAYLOADS = {"sbx-0b6d21c8e47f9a33", "sbx-9e3a57d1c06b42f8", Sandbox.API_KEY};
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private Map<String, SecretVersion.State> states() {
        return cli.controls.secretVersions().stream().collect(Collectors.toMap(
                v -> v.getName().substring(v.getName().lastIndexOf('/') + 1), SecretVersion::getState));
    }

    private static void assertNoPayload(CliHarness.Result r) {
        for (String p : PAYLOADS) {
            assertThat(r.out() + r.err()).doesNotContain(p);
        }
    }

    @Test
    void addVersionAddsACopyOfTheOldPayloadAsLatestChangingNoOtherVersionAndSaysThePinnedRevisionIsUnaffected()
            throws Exception {
        CliHarness.Result r = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("make latest of secret virtuoso-api-key serve the payload of version 2")
                .contains("add version 4 holding the payload of version 2 (it becomes latest)")
                .contains("version 3: DISABLED  ← latest (unreadable)")
                .contains("virtuoso-api-00003-ghi reads virtuoso-api-key pinned at version 2 (env API_KEY): the value "
                        + "this restores already")
                .contains("version 4: ENABLED  ← latest");
        assertNoPayload(r);
        assertThat(cli.controls.apiKeyPayload(4)).isEqualTo(cli.controls.apiKeyPayload(2));
        assertThat(states()).containsEntry("1", SecretVersion.State.ENABLED).containsEntry("2", SecretVersion.State.ENABLED)
                .containsEntry("3", SecretVersion.State.DISABLED).containsEntry("4", SecretVersion.State.ENABLED);
        String journal = Files.readString(cli.home.resolve("journal.jsonl"));
        assertThat(journal).contains("\"kind\":\"secrets\"").contains("\"added\":[\"4\"]");
        for (String p : PAYLOADS) {
            assertThat(journal).doesNotContain(p);
        }
        // Pinned at version 2, the service does not read the restored value: no checks to run.
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void runningTheSameRestoreAgainChangesNothing() {
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes").code())
                .isZero();
        int calls = cli.controls.mutatingCalls();

        CliHarness.Result again = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2",
                "--yes");

        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("latest of secret virtuoso-api-key (version 4) holds the payload of version 2 "
                + "already");
        assertNoPayload(again);
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(cli.controls.secretVersions()).hasSize(4);
    }

    @Test
    void undoOfAnAddedVersionDisablesItWhenLatestWasUnreadableBeforeAndUndoingTheUndoEnablesItAgain() {
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes").code())
                .isZero();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("disable version 4").contains("before ").contains("latest was version 3, "
                + "DISABLED (unreadable): disabling version 4 makes latest unreadable again, exactly as it was");
        assertThat(states()).containsEntry("3", SecretVersion.State.DISABLED)
                .containsEntry("4", SecretVersion.State.DISABLED).containsEntry("2", SecretVersion.State.ENABLED);

        CliHarness.Result redo = cli.rb("undo", "--yes");
        assertThat(redo.code()).as(redo.out() + redo.err()).isZero();
        assertThat(redo.out()).contains("enable version 4");
        assertThat(states()).containsEntry("4", SecretVersion.State.ENABLED);
        assertThat(cli.controls.secretVersions()).hasSize(4);
    }

    @Test
    void undoOfAnAddedVersionAddsACopyOfTheVersionThatWasLatestWhenThatOneWasReadable() {
        cli.controls.apiKeyVersion(3, SecretVersion.State.ENABLED);
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "1", "--yes").code())
                .isZero();
        assertThat(cli.controls.apiKeyPayload(4)).isEqualTo(cli.controls.apiKeyPayload(1));

        CliHarness.Result undo = cli.rb("undo", "--yes");

        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("add version 5 holding the payload of version 3").contains("versions are never "
                + "destroyed: version 4 stays, and a copy of version 3");
        assertThat(cli.controls.apiKeyPayload(5)).isEqualTo(cli.controls.apiKeyPayload(3));
        assertThat(states()).containsEntry("4", SecretVersion.State.ENABLED);
    }

    @Test
    void disableNewerDisablesTheNewerVersionsAndUndoEnablesThemAgain() {
        // 00001 serves, pinning version 1; the newer versions are both enabled.
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        cli.controls.apiKeyVersion(3, SecretVersion.State.ENABLED);

        CliHarness.Result r = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "1",
                "--strategy", "disable-newer", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("enable version 1").contains("disable version 2").contains("disable version 3")
                .contains("latest of secret virtuoso-api-key stays version 3, which will be DISABLED");
        assertThat(states()).containsEntry("1", SecretVersion.State.ENABLED)
                .containsEntry("2", SecretVersion.State.DISABLED).containsEntry("3", SecretVersion.State.DISABLED);
        assertThat(cli.controls.secretVersions()).hasSize(3);

        CliHarness.Result undo = cli.rb("undo", "--yes");
        assertThat(undo.code()).as(undo.out() + undo.err()).isZero();
        assertThat(undo.out()).contains("enable version 2").contains("enable version 3");
        assertThat(states()).containsEntry("1", SecretVersion.State.ENABLED)
                .containsEntry("2", SecretVersion.State.ENABLED).containsEntry("3", SecretVersion.State.ENABLED);
    }

    @Test
    void redeployStartsTheServingRevisionAgainAsANewOneWhenItReadsTheSecretAsLatestThroughAnEnvironmentVariable() {
        cli.controls.apiKeyReadAsLatest();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes").code()).isZero();
        int revisions = cli.controls.revisionCount();

        CliHarness.Result r = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2",
                "--redeploy", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("virtuoso-api-00002-def reads virtuoso-api-key as latest through API_KEY, an "
                + "environment variable read at instance start").contains("deploy " + Sandbox.IMAGE + ":v1.1.0 as "
                + "virtuoso-api-rollback-").contains("checks: 5/5 passed");
        assertNoPayload(r);
        assertThat(cli.controls.revisionCount()).isEqualTo(revisions + 1);
        String created = cli.service().getLatestReadyRevision().replaceAll(".*/", "");
        assertThat(created).startsWith("virtuoso-api-rollback-");
        // The new revision serves; the stable tag stays on the revision it named.
        assertThat(cli.controls.traffic()).containsExactly("REVISION " + created + " 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
        assertThat(cli.controls.trafficStatuses()).isEqualTo(cli.controls.traffic());
    }

    @Test
    void undoThatWouldLeaveLatestUnreadableWhileTheServiceReadsItIsRefusedWithNothingChanged() {
        cli.controls.apiKeyReadAsLatest();
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes",
                "--no-verify").code()).isZero();
        int calls = cli.controls.mutatingCalls();

        CliHarness.Result undo = cli.rb("undo", "--yes");

        assertThat(undo.code()).isEqualTo(2);
        assertThat(undo.err()).contains("refusing to undo").contains("reads secret virtuoso-api-key as latest (env "
                + "API_KEY); latest would be a disabled version, unreadable");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(states()).containsEntry("4", SecretVersion.State.ENABLED);
    }

    @Test
    void aDryRunOfTheUndoOfARestoreShowsItsPlanAndMakesNoMutatingCall() throws Exception {
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes").code())
                .isZero();
        int calls = cli.controls.mutatingCalls();
        List<String> journal = Files.readAllLines(cli.home.resolve("journal.jsonl"));

        CliHarness.Result dry = cli.rb("--dry-run", "undo");

        assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
        assertThat(dry.out()).contains("disable version 4").contains("dry run: put back the versions of secret "
                + "virtuoso-api-key");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
        assertThat(Files.readAllLines(cli.home.resolve("journal.jsonl"))).isEqualTo(journal);
    }

    @Test
    void aRedeployLeftInFlightByAnEarlierRunIsAdoptedNotSentAgain() throws Exception {
        cli.controls.apiKeyReadAsLatest();
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes").code()).isZero();
        assertThat(cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2", "--yes",
                "--no-verify").code()).isZero();
        // An earlier `--redeploy` run was killed right after sending its deploy: 00002's image as a new revision.
        cli.controls.setRevisionStartDelay(java.time.Duration.ofSeconds(1));
        com.google.cloud.run.v2.Service s = cli.service();
        String inFlight = "virtuoso-api-rollback-earlier";
        com.google.cloud.run.v2.Service wanted = s.toBuilder().setTemplate(s.getTemplate().toBuilder()
                .setRevision(inFlight).setContainers(0, s.getTemplate().getContainers(0).toBuilder()
                        .setImage(Sandbox.IMAGE + ":v1.1.0"))).clearTraffic()
                .addAllTraffic(s.getTrafficList().stream().map(t -> t.getPercent() == 100
                        ? t.toBuilder().setRevision(inFlight).build() : t).toList()).build();
        try (var services = com.google.cloud.run.v2.ServicesClient.create(com.google.cloud.run.v2.ServicesSettings
                .newBuilder().setCredentialsProvider(com.google.api.gax.core.NoCredentialsProvider.create())
                .setTransportChannelProvider(com.google.cloud.run.v2.ServicesSettings.defaultGrpcTransportProviderBuilder()
                        .setEndpoint(cli.sandbox.cloudRunHost())
                        .setChannelConfigurator(io.grpc.ManagedChannelBuilder::usePlaintext).build()).build())) {
            services.updateServiceAsync(wanted).getInitialFuture().get(); // sent and accepted, not awaited
        }
        int revisions = cli.controls.revisionCount();
        int updates = cli.mutations();

        CliHarness.Result again = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "2",
                "--redeploy", "--yes");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("already in flight").contains("it was not sent again");
        assertThat(cli.mutations()).isEqualTo(updates);
        assertThat(cli.controls.revisionCount()).isEqualTo(revisions);
        // The deploy in flight finished as it was sent, and serves.
        assertThat(cli.service().getTrafficList()).isEqualTo(wanted.getTrafficList());
        assertThat(cli.controls.trafficStatuses()).containsExactly("REVISION " + inFlight + " 100% tag stable-2024-07-24");
    }

    @Test
    void disableNewerWithNothingToDisableChangesNothingAndSaysLatestStaysUnreadable() {
        // 00001 serves (pinning version 1); versions 2 and 3 are disabled, so latest (3) is unreadable.
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00001-abc", "--yes", "--no-verify").code()).isZero();
        cli.controls.apiKeyVersion(2, SecretVersion.State.DISABLED);
        int calls = cli.controls.mutatingCalls();

        CliHarness.Result r = cli.rb("restore", "secrets", "--secret", "virtuoso-api-key", "--to-version", "1",
                "--strategy", "disable-newer", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("version 1 of secret virtuoso-api-key is enabled and no newer version is; latest "
                + "(version 3, DISABLED) stays unreadable: the default --strategy add-version makes it serve version 1's "
                + "value");
        assertThat(cli.controls.mutatingCalls()).isEqualTo(calls);
    }
}

package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.sandbox.Sandbox;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `status` says what the service is doing in the words of what happened to it. */
class StatusCommandTest {
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void afterADeployWhoseRevisionNeverStartedItSaysTheDeployFailedNamingTheRevisionAndItsImage() {
        String bad = Sandbox.IMAGE + ":v0.9.9";
        cli.controls.imageFailsToStart(bad);
        assertThat(cli.rb("image", "--image", bad, "--yes").code()).isEqualTo(4);
        String revision = cli.service().getLatestCreatedRevision();
        revision = revision.substring(revision.lastIndexOf('/') + 1);

        CliHarness.Result r = cli.rb("status");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\n  failed: the deploy of " + revision + " (" + bad + ") failed: it never became "
                + "Ready and serves nothing; what served before still serves. Revision '" + revision + "' is not ready "
                + "and cannot serve traffic.").doesNotContain("still being applied").doesNotContain("reconciling:");
    }

    @Test
    void aFailedChangeThatDeployedNothingIsNotCalledADeploy() {
        cli.controls.failNextOperation(Status.INTERNAL.withDescription("routing failed"));
        assertThat(cli.rb("quick", "--previous", "--yes", "--no-verify").code()).isEqualTo(4);

        CliHarness.Result r = cli.rb("status");

        assertThat(r.out()).contains("\n  failed: the last change did not take effect: ").doesNotContain("the deploy of");
    }
}

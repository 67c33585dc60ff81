package dev.virtuoso.rollback.adapter.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.model.ExitCode;
import org.junit.jupiter.api.Test;

/** What is left of git's stderr in a message: one line, nothing secret, nothing a terminal would run. */
class GitErrorsTest {
    @Test
    void theMeaningfulLineIsTheFirstErrorThatIsNotTheGenericPushFailure() {
        String pushed = """
                remote: pushes to main are frozen       \s
                To /srv/remote.git
                 ! [remote rejected] main -> main (pre-receive hook declined)
                error: failed to push some refs to '/srv/remote.git'
                """;
        String conflicted = """
                error: could not revert 1a2b3c4... change A
                hint: After resolving the conflicts, mark them with
                hint: "git add/rm <pathspec>", then run
                """;

        assertThat(GitErrors.reason(pushed)).isEqualTo("remote: pushes to main are frozen");
        assertThat(GitErrors.remoteSaid(pushed)).isEqualTo("pushes to main are frozen");
        assertThat(GitErrors.reason(conflicted)).isEqualTo("could not revert 1a2b3c4... change A");
        assertThat(GitErrors.reason("")).isEqualTo("git said nothing");
    }

    @Test
    void credentialsInRemoteUrlsAreRedactedEvenWhenTheLineIsCut() {
        String url = "https://deploy:ghp_s3cret@github.com/acme/api.git/";
        Git.Result failed = new Git.Result(128, "", "fatal: unable to access '" + url + "': The requested URL "
                + "returned error: 403\n");

        assertThat(GitErrors.failed(ExitCode.API_FAILURE, "could not fetch main from origin", failed))
                .hasMessage("could not fetch main from origin: unable to access 'https://***@github.com/acme/api.git/': "
                        + "The requested URL returned error: 403");
        assertThat(GitErrors.reason("fatal: " + "x".repeat(170) + " " + url)).doesNotContain("s3cret");
        assertThat(GitErrors.redact("ssh://git@host/x and https://token@host")).isEqualTo(
                "ssh://***@host/x and https://***@host");
    }

    @Test
    void escapeSequencesAndLineBreaksFromAHookAreNotPassedToTheTerminal() {
        assertThat(GitErrors.oneLine("\u001B[31mdenied\u001B[0m\r\n\u0007by policy")).isEqualTo("denied by policy");
    }
}

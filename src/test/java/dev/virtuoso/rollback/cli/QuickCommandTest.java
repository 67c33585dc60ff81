package dev.virtuoso.rollback.cli;

import static dev.virtuoso.rollback.sandbox.SandboxControls.PREVIOUS_SERVES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuickCommandTest {
    private final CliHarness cli = new CliHarness();

    /** A traffic entry as the journal and the JSON output write it. */
    private static JsonNode entry(boolean latest, String revision, int percent, String tag) {
        return new ObjectMapper().createObjectNode().put("latest", latest).put("revision", revision)
                .put("percent", percent).put("tag", tag);
    }

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    @Test
    void previousMovesTrafficWaitsVerifiesAndJournals() throws Exception {
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");
        assertThat(r.errBesidesRecords()).isEmpty();
        assertThat(r.err()).startsWith("incident record: " + cli.home.resolve("incidents"));
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("✓ route 100% of virtuoso-api traffic to virtuoso-api-00002-def")
                .contains("checks: 5/5 passed")
                .contains("note: traffic will be pinned to virtuoso-api-00002-def")
                .contains("undo with `rollback undo ");
        assertThat(cli.controls.traffic()).isEqualTo(PREVIOUS_SERVES);
        assertThat(cli.controls.trafficStatuses()).isEqualTo(PREVIOUS_SERVES);
        assertThat(cli.mutations()).isEqualTo(1);
        // Journaled before it acted, then applied, then verified: three lines of one step.
        List<JsonNode> journal = new ArrayList<>();
        for (String line : Files.readAllLines(cli.home.resolve("journal.jsonl"))) {
            journal.add(new ObjectMapper().readTree(line));
        }
        assertThat(journal).extracting(n -> n.get("state").asText()).containsExactly("planned", "applied", "verified");
        assertThat(journal).extracting(n -> n.get("id").asText()).containsOnly(journal.get(0).get("id").asText());
        // The exact traffic before (for undo) and after, every entry.
        assertThat(journal.get(0).get("before")).containsExactly(entry(true, null, 100, null),
                entry(false, "virtuoso-api-00002-def", 0, "stable-2024-07-24"));
        assertThat(journal.get(2).get("after")).containsExactly(entry(false, "virtuoso-api-00002-def", 100,
                "stable-2024-07-24"));
        assertThat(r.out()).contains("journal: " + journal.get(0).get("id").asText());

        // 00002 serves because of that rollback a moment ago: --previous again would walk back twice.
        CliHarness.Result twice = cli.rb("quick", "--previous", "--yes");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).startsWith("error: virtuoso-api-00002-def serves because of `quick --previous` ")
                .contains("(by tester, journal ").endsWith("--previous now would go one further back: "
                + "to do that, `rollback quick --previous --again`\n");
        CliHarness.Result again = cli.rb("quick", "--previous", "--again", "--yes");
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("virtuoso-api-00001-abc");
        assertThat(cli.controls.traffic()).containsExactly("REVISION virtuoso-api-00001-abc 100%",
                "REVISION virtuoso-api-00002-def 0% tag stable-2024-07-24");
    }

    @Test
    void toLatestBackToARolledBackRevisionSaysSoAndAsksAgainOrNeedsAccept() {
        CliHarness.Result back = cli.rb("quick", "--previous", "--yes");
        assertThat(back.out()).contains("deploy a fix first: the latest Ready revision is still virtuoso-api-00003-ghi, "
                + "the one rolled back from");
        int calls = cli.mutations();

        CliHarness.Result refused = cli.rb("quick", "--to-latest", "--yes");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).startsWith("error: virtuoso-api-00003-ghi is the revision `quick --previous` rolled "
                + "back from ").contains("routing traffic back to it needs --accept-rolled-back");
        assertThat(cli.mutations()).isEqualTo(calls);

        cli.interactive = true;
        cli.stdin = "\ny\nn\n";
        CliHarness.Result asked = cli.rb("--no-color", "quick", "--to-latest", "--no-verify");
        assertThat(asked.code()).isEqualTo(2);
        assertThat(asked.out()).contains("note: virtuoso-api-00003-ghi is the revision `quick --previous` rolled back "
                + "from").contains("Route traffic back to virtuoso-api-00003-ghi, which was rolled back from? [y/N]");
        assertThat(cli.mutations()).isEqualTo(calls);

        cli.interactive = false;
        CliHarness.Result accepted = cli.rb("quick", "--to-latest", "--yes", "--accept-rolled-back", "--no-verify");
        assertThat(accepted.code()).as(accepted.err()).isZero();
        assertThat(accepted.out()).contains("this routes traffic back to it; deploy a fix first");
        assertThat(cli.mutations()).isEqualTo(calls + 1);
    }

    @Test
    void rerunWhenTheGoalHoldsChangesNothing() {
        assertThat(cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes").code()).isZero();
        int calls = cli.mutations();
        CliHarness.Result r = cli.rb("quick", "--to-revision", "virtuoso-api-00002-def", "--yes");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("✓ already serving virtuoso-api-00002-def (100%); nothing to do");
        assertThat(cli.mutations()).isEqualTo(calls);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--to-revision virtuoso-api-00009-zzz --yes|error: revision virtuoso-api-00009-zzz not found in service virtuoso-api (revisions, newest first: virtuoso-api-00004-jkl (not Ready), virtuoso-api-00003-ghi, virtuoso-api-00002-def, virtuoso-api-00001-abc)",
        "--to-revision other-service-00001-aaa --yes|error: revision other-service-00001-aaa does not belong to service virtuoso-api (revisions, newest first: virtuoso-api-00004-jkl (not Ready), virtuoso-api-00003-ghi, virtuoso-api-00002-def, virtuoso-api-00001-abc)",
        "--to-revision virtuoso-api-00004-jkl --yes|error: revision virtuoso-api-00004-jkl is not Ready (Container failed to start and listen on PORT=8080); refusing to send traffic to it",
        "--previous --percent 0 --yes|error: --percent must be between 1 and 100, not 0",
        "--previous --percent 101 --yes|error: --percent must be between 1 and 100, not 101",
        "--previous --to-latest --yes|error: --previous, --to-latest are mutually exclusive (specify only one) (see `rollback quick --help`)",
        "--previous|error: stdin is not a terminal, so nothing can be confirmed: pass --yes to apply (or --dry-run to see the plan); nothing was changed",
    })
    void badInputIsExit2WithNothingChanged(String args, String error) {
        CliHarness.Result r = cli.rb(("quick " + args).split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(error);
        assertThat(r.out()).isEmpty();
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void runbookProblemsAreExit2WithNothingChanged() throws Exception {
        Path bad = cli.home.resolve("bad.yaml");
        Files.writeString(bad, "service:\n  name: virtuoso-api\n  project: virtuoso-sandbox\n  region: us-central1\nchecks:\n  timout: 5s\n");
        CliHarness.Result unknown = cli.run("-r", bad.toString(), "quick", "--previous", "--yes");
        assertThat(unknown.err().strip()).isEqualTo("error: runbook " + bad + " line 6: unknown key 'checks.timout' "
                + "(known here: functional, health, retries, timeout)");
        Files.writeString(bad, "service: {name: virtuoso-api\n");
        CliHarness.Result malformed = cli.run("-r", bad.toString(), "quick", "--previous", "--yes");
        assertThat(malformed.err()).startsWith("error: runbook " + bad + " line 1: not valid YAML");
        CliHarness.Result missing = cli.run("-r", "runbooks/missing.yaml", "quick", "--previous", "--yes");
        assertThat(missing.err().strip()).isEqualTo("error: runbook runbooks/missing.yaml not found");
        for (CliHarness.Result r : new CliHarness.Result[] {unknown, malformed, missing}) {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
        }
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void dryRunShowsThePlanAndChangesNothing() {
        CliHarness.Result r = cli.rb("quick", "--to-tag", "stable-2024-07-24", "--dry-run");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Plan for virtuoso-sandbox/us-central1/virtuoso-api")
                .contains("traffic after:").contains("dry run: route 100%");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void jsonIsExactlyOneDocumentOnSuccessAndOnError() throws Exception {
        ObjectMapper json = new ObjectMapper();
        CliHarness.Result ok = cli.rb("-o", "json", "quick", "--to-revision", "virtuoso-api-00001-abc", "--percent", "90", "--yes");
        JsonNode doc = json.readTree(ok.out());
        assertThat(doc.get("ok").asBoolean()).isTrue();
        assertThat(doc.get("outcome").asText()).isEqualTo("applied");
        assertThat(doc.get("after")).containsExactlyInAnyOrder(entry(false, "virtuoso-api-00001-abc", 90, null),
                entry(false, "virtuoso-api-00003-ghi", 10, null), entry(false, "virtuoso-api-00002-def", 0,
                        "stable-2024-07-24"));
        assertThat(doc.get("verification").get("checks")).hasSize(5);

        CliHarness.Result bad = cli.rb("-o", "json", "quick", "--to-revision", "nope", "--yes");
        assertThat(bad.code()).isEqualTo(2);
        JsonNode err = json.readTree(bad.out());
        assertThat(err.get("ok").asBoolean()).isFalse();
        assertThat(err.get("error").asText()).startsWith("revision nope does not belong to service virtuoso-api (revisions, "
                + "newest first: ");
    }

    @Test
    void confirmationOnATerminal() {
        cli.interactive = true;
        cli.stdin = "\nn\n";
        CliHarness.Result no = cli.rb("quick", "--previous");
        assertThat(no.code()).isEqualTo(2);
        assertThat(no.err().strip()).isEqualTo("error: not confirmed; nothing was changed");
        assertThat(cli.mutations()).isZero();
        cli.stdin = "\ny\n";
        assertThat(cli.rb("quick", "--previous", "--no-verify").code()).isZero();
        assertThat(cli.mutations()).isEqualTo(1);
    }

    @Test
    void failingVerificationIsExit3AfterTheChange() {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        // Routing back to the broken revision works, then its checks fail.
        CliHarness.Result r = cli.rb("quick", "--to-revision", "virtuoso-api-00003-ghi", "--yes");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).contains("✗ route 100%").contains("HTTP 503");
    }
}

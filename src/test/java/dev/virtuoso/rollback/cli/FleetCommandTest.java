package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One command on the sandbox's three regions at once (runbooks/sandbox-fleet.yaml). */
class FleetCommandTest {
    private static final List<String> REGIONS = Sandbox.FLEET_REGIONS;
    /** Each region's revision 00002 (the one --previous goes to), as the sandbox names it there. */
    private static final Map<String, String> PREVIOUS = Map.of("us-central1", "virtuoso-api-00002-def",
            "europe-west1", "virtuoso-api-00002-ewf", "asia-northeast1", "virtuoso-api-00002-anf");

    private final CliHarness cli = new CliHarness(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(50))
            .withRevisionStartDelay(Duration.ofMillis(50)).withRegions(REGIONS));

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    private CliHarness.Result fleet(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-r";
        all[1] = "runbooks/sandbox-fleet.yaml";
        System.arraycopy(args, 0, all, 2, args.length);
        return cli.run(all);
    }

    private List<String> traffic(String region) {
        return SandboxControls.traffic(cli.controls.serviceIn(region));
    }

    private static List<String> previousServes(String region) {
        return List.of("REVISION " + PREVIOUS.get(region) + " 100% tag stable-2024-07-24");
    }

    /** {@code r} without colours (a terminal gets them). */
    private static CliHarness.Result plain(CliHarness.Result r) {
        String ansi = "\u001b\\[[0-9;]*m";
        return new CliHarness.Result(r.code(), r.out().replaceAll(ansi, ""), r.err().replaceAll(ansi, ""),
                r.terminal().replaceAll(ansi, ""));
    }

    /** The table's row of {@code region}, blanks squeezed: "europe-west1 ✗ failed 4 ...". */
    private static String row(String out, String region) {
        return out.lines().filter(l -> l.startsWith(region + " ")).reduce((a, b) -> b).orElseThrow()
                .replaceAll(" +", " ");
    }

    @Test
    void statusShowsEachRegionsServiceAtItsOwnUrlThenATable() {
        CliHarness.Result r = fleet("status");
        assertThat(r.code()).as(r.err()).isZero();
        for (String region : REGIONS) {
            assertThat(r.out()).contains("── " + region + " ──\nvirtuoso-api  virtuoso-sandbox/" + region + "\n  url: "
                    + cli.sandbox.demoUrl(region) + "\n");
            assertThat(row(r.out(), region)).startsWith(region + " ✓ ok 0 ");
        }
        assertThat(r.out()).contains("LATEST (= virtuoso-api-00003-ewi)  100%").endsWith("3 of 3 regions succeeded\n");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void quickPreviousAsksOnceThenJournalsMovesAndVerifiesEachRegionAtItsOwnUrl() throws Exception {
        // The runbook's url is one region's: were it used, every check would fail on a closed port.
        Path book = cli.home.resolve("fleet-with-url.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox-fleet.yaml"))
                .replace("  name: virtuoso-api\n", "  name: virtuoso-api\n  url: http://127.0.0.1:9\n"));
        cli.interactive = true;
        cli.stdin = "y\n"; // one answer: a second question would read the end of input, a refusal

        CliHarness.Result r = plain(cli.run("-r", book.toString(), "quick", "--previous"));

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("note: the runbook's service.url is one region's URL and is not used");
        assertThat(r.out().split("Apply these 3 changes \\(us-central1, europe-west1, asia-northeast1\\)\\? "))
                .hasSize(2);
        // Every plan is shown before the one question.
        String beforeQuestion = r.out().substring(0, r.out().indexOf("Apply these 3 changes"));
        for (String region : REGIONS) {
            assertThat(beforeQuestion).contains("Plan for virtuoso-sandbox/" + region + "/virtuoso-api: route 100% of "
                    + "virtuoso-api traffic to " + PREVIOUS.get(region));
            assertThat(traffic(region)).isEqualTo(previousServes(region));
            assertThat(cli.controls.demoRequestsIn(region, "GET /health/ready")).isEqualTo(1);
            assertThat(row(r.out(), region)).startsWith(region + " ✓ ok 0 ");
        }
        assertThat(cli.mutations()).isEqualTo(3);
        List<JsonNode> journal = cli.journal();
        Map<String, List<String>> states = journal.stream().collect(Collectors.groupingBy(n -> n.get("target").asText(),
                Collectors.mapping(n -> n.get("state").asText(), Collectors.toList())));
        assertThat(states).containsOnlyKeys(REGIONS.stream().map(region -> Sandbox.servicePath("virtuoso-api", region))
                .toList());
        assertThat(states.values()).allSatisfy(s -> assertThat(s).containsExactly("planned", "applied", "verified"));
        assertThat(journal.stream().map(n -> n.get("id").asText()).distinct()).hasSize(3);
    }

    @Test
    void eachRegionsIncidentRecordAndWhatItLacksAreNamedOnTheRunsStderrAtTheEnd() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliHarness.Result r = cli.run(Map.of("LOGGING_EMULATOR_HOST", "127.0.0.1:" + closed), "-r",
                "runbooks/sandbox-fleet.yaml", "quick", "--previous", "--yes", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        for (String region : REGIONS) {
            assertThat(r.err()).containsPattern("(?m)^" + region + ": incident record: " + java.util.regex.Pattern
                    .quote(cli.home.resolve("incidents").toString()) + "/\\S+/ ")
                    .containsPattern("(?m)^" + region + ": warning: incident record incomplete: errors.jsonl: nothing "
                            + "answers at LOGGING_EMULATOR_HOST");
        }
        try (var records = Files.list(cli.home.resolve("incidents"))) {
            assertThat(records).hasSize(3);
        }
    }

    @Test
    void aFleetWithTheRunbooksSharedJournalJournalsAndLocksEveryRegionInCloudStorage() throws Exception {
        Path book = cli.home.resolve("fleet-shared.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox-fleet.yaml"))
                + "journal: gs://virtuoso-sandbox-journal/fleet\n");

        CliHarness.Result r = cli.run("-r", book.toString(), "quick", "--previous", "--yes", "--no-verify");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(cli.home.resolve("journal.jsonl")).doesNotExist();
        // Each region: its own record, created only if absent, and its own lock, taken and given back.
        List<String> records = cli.controls.journalObjects("fleet/records/");
        assertThat(records.stream().map(name -> name.split("/")[2]).distinct()).hasSize(3);
        for (String region : REGIONS) {
            String lock = "virtuoso-sandbox-journal/fleet/locks/virtuoso-sandbox/" + region + "/virtuoso-api";
            assertThat(cli.controls.storageWrites()).contains("POST " + lock + " ifGenerationMatch=0 -> 200")
                    .anyMatch(w -> w.startsWith("DELETE " + lock + " ifGenerationMatch="));
        }
        assertThat(cli.controls.journalObjects("fleet/locks/")).isEmpty();
    }

    @Test
    void aRegionRefusingUpdatesFailsWithExit4WhileTheOthersRollBackAndVerify() {
        cli.controls.refuseUpdatesIn("europe-west1", Status.PERMISSION_DENIED.withDescription(
                "Permission 'run.services.update' denied on resource"));

        CliHarness.Result r = fleet("quick", "--previous", "--yes");

        assertThat(r.code()).isEqualTo(4);
        assertThat(row(r.out(), "europe-west1")).startsWith("europe-west1 ✗ failed 4 ")
                .contains("Cloud Run: permission denied on update of projects/virtuoso-sandbox/locations/europe-west1/");
        assertThat(r.out()).contains("2 of 3 regions succeeded; exit 4, the largest of theirs");
        assertThat(traffic("europe-west1")).containsExactly("LATEST 100%",
                "REVISION virtuoso-api-00002-ewf 0% tag stable-2024-07-24");
        for (String region : List.of("us-central1", "asia-northeast1")) {
            assertThat(row(r.out(), region)).startsWith(region + " ✓ ok 0 ");
            assertThat(traffic(region)).isEqualTo(previousServes(region));
            assertThat(cli.controls.demoRequestsIn(region, "GET /health/ready")).isEqualTo(1);
        }
        assertThat(cli.controls.demoRequestsIn("europe-west1", "GET /health")).isZero();
    }

    @Test
    void aRegionThatCannotGoBackIsNamedAndTheQuestionAsksForTheOthers() {
        assertThat(cli.run("-r", "runbooks/sandbox-fleet.yaml", "--region", "europe-west1", "quick", "--previous",
                "--yes").code()).isZero();
        cli.interactive = true;
        cli.stdin = "y\n";

        CliHarness.Result r = plain(fleet("quick", "--previous"));

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("not changed: europe-west1: exit 2: virtuoso-api-00002-ewf serves because of "
                + "`quick --previous` ").contains("Apply these 2 changes (us-central1, asia-northeast1)? ");
        assertThat(row(r.out(), "europe-west1")).startsWith("europe-west1 – not changed 2 ");
        for (String region : REGIONS) {
            assertThat(traffic(region)).isEqualTo(previousServes(region));
        }
        assertThat(cli.mutations()).isEqualTo(3);
    }

    @Test
    void withoutATerminalOrYesTheFleetIsRefusedOnceBeforeAnyRegionRuns() {
        CliHarness.Result r = fleet("quick", "--previous");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: stdin is not a terminal, so nothing can be confirmed: pass --yes to apply "
                + "(or --dry-run to see the plan); nothing was changed\n");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void refusingTheOneQuestionChangesNoRegion() {
        cli.interactive = true;
        cli.stdin = "n\n";

        CliHarness.Result r = plain(fleet("quick", "--previous"));

        assertThat(r.code()).isEqualTo(2);
        for (String region : REGIONS) {
            assertThat(row(r.out(), region)).startsWith(region + " – not changed 2 ").endsWith(" not confirmed; nothing was "
                    + "changed");
        }
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void jsonIsOneDocumentWithEachRegionsOwnDocument() throws Exception {
        cli.controls.refuseUpdatesIn("asia-northeast1", Status.PERMISSION_DENIED);

        CliHarness.Result r = fleet("-o", "json", "quick", "--previous", "--yes");

        assertThat(r.code()).isEqualTo(4);
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.fieldNames()).toIterable().containsExactly("ok", "regions", "error");
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("error").asText()).isEqualTo("2 of 3 regions succeeded; exit 4, the largest of theirs");
        assertThat(doc.get("regions")).extracting(n -> n.get("region").asText()).containsExactlyElementsOf(REGIONS);
        JsonNode us = doc.get("regions").get(0);
        assertThat(us.fieldNames()).toIterable().startsWith("region", "ok", "exitCode", "command", "target");
        assertThat(us.get("ok").asBoolean()).isTrue();
        assertThat(us.get("exitCode").asInt()).isZero();
        assertThat(us.get("target").asText()).isEqualTo(Sandbox.servicePath("virtuoso-api", "us-central1"));
        assertThat(us.get("journalId").asText()).isNotEmpty();
        JsonNode asia = doc.get("regions").get(2);
        assertThat(asia.get("ok").asBoolean()).isFalse();
        assertThat(asia.get("exitCode").asInt()).isEqualTo(4);
        assertThat(asia.get("error").asText()).contains("PERMISSION_DENIED");
        // Progress and each region's error lines go to stderr, named by region.
        assertThat(r.err()).contains("asia-northeast1: error: ").contains("us-central1: started");
    }

    @Test
    void verifyJudgesEachRegionByItsOwnMetrics() {
        // Only us-central1 rolled back: the broken 00003 still serves the other two.
        assertThat(cli.run("-r", "runbooks/sandbox-fleet.yaml", "--region", "us-central1", "quick", "--previous",
                "--yes").code()).isZero();

        CliHarness.Result r = fleet("verify", "--metrics");

        assertThat(r.code()).isEqualTo(3);
        assertThat(row(r.out(), "us-central1")).startsWith("us-central1 ✓ ok 0 ");
        assertThat(row(r.out(), "europe-west1")).startsWith("europe-west1 ✗ failed 3 ");
        assertThat(row(r.out(), "asia-northeast1")).startsWith("asia-northeast1 ✗ failed 3 ");
        assertThat(r.out()).contains("virtuoso-api-00003-ewi").contains("virtuoso-api-00003-ani");
    }

    @Test
    void imagePreviousServesThePreviousImageInEveryRegion() {
        CliHarness.Result r = fleet("image", "--previous", "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        for (String region : REGIONS) {
            assertThat(traffic(region)).isEqualTo(previousServes(region));
            assertThat(row(r.out(), region)).startsWith(region + " ✓ ok 0 ");
        }
    }

    @Test
    void dryRunPlansEveryRegionAndChangesNothing() {
        CliHarness.Result r = fleet("quick", "--previous", "--dry-run");

        assertThat(r.code()).as(r.err()).isZero();
        for (String region : REGIONS) {
            assertThat(r.out()).contains("Plan for virtuoso-sandbox/" + region + "/virtuoso-api: route 100%");
        }
        assertThat(cli.mutations()).isZero();
        assertThat(cli.home.resolve("journal.jsonl")).doesNotExist();
    }

    @Test
    void progressIsALinePerRegionAndStateWhenPiped() {
        CliHarness.Result r = fleet("quick", "--previous", "--yes");

        assertThat(r.code()).as(r.err()).isZero();
        for (String region : REGIONS) {
            List<String> lines = r.out().lines().filter(l -> l.startsWith(region + ": ")).toList();
            assertThat(lines).startsWith(region + ": started", region + ": waiting for confirmation")
                    .contains(region + ": confirmed").endsWith(region + ": ✓ done");
            // A wait's repeated updates are one state: one line.
            assertThat(lines.stream().filter(l -> l.contains("waiting for Cloud Run"))).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void progressOnATerminalIsOneBlockOfLinesDrawnAgainInPlace() {
        cli.interactive = true;

        CliHarness.Result r = cli.run(Map.of("COLUMNS", "100"), "-r", "runbooks/sandbox-fleet.yaml", "status");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> screen = Screen.rows(r.terminal(), 100);
        // The block was drawn several times, and the screen shows it once, each region's last state.
        assertThat(r.err().split("\u001b\\[3F", -1).length).isGreaterThan(2);
        assertThat(screen.subList(0, 3)).containsExactly("us-central1      ✓ done", "europe-west1     ✓ done",
                "asia-northeast1  ✓ done");
        assertThat(screen.stream().filter(l -> l.contains("✓ done"))).hasSize(3);
    }
}

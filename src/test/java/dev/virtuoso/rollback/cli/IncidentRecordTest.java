package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.logging.v2.LogEntry;
import com.google.protobuf.util.JsonFormat;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.awt.image.BufferedImage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The incident record every change keeps, through the real wiring against the sandbox. */
class IncidentRecordTest {
    private static final Pattern RECORD = Pattern.compile("incident record: (\\S+)/ ");
    private final CliHarness cli = new CliHarness();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    /** Users hitting the broken revision: each 5xx it answers is an ERROR entry in its log. */
    private void failedRequests(int n) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < n; i++) {
            http.send(HttpRequest.newBuilder(URI.create(cli.sandbox.demoUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    /** How many pixels of {@code png} are exactly {@code colour}. */
    static long pixels(BufferedImage png, java.awt.Color colour) {
        long n = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                n += (png.getRGB(x, y) & 0xffffff) == (colour.getRGB() & 0xffffff) ? 1 : 0;
            }
        }
        return n;
    }

    private static Path recordOf(CliHarness.Result r) {
        Matcher m = RECORD.matcher(r.err());
        assertThat(m.find()).as("the run names the record at its end: " + r.err()).isTrue();
        return Path.of(m.group(1));
    }

    @Test
    void quickPreviousKeepsTheReasonTimelineMatrixRowErrorLogsAndChartsInTheRecord() throws Exception {
        failedRequests(3);
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes", "--reason", "5xx after v1.2.0");

        assertThat(r.code()).isZero();
        Path dir = recordOf(r);
        assertThat(r.err()).isEqualTo("incident record: " + dir + "/ (`rollback incident show " + dir.getFileName()
                + "`)\n");
        assertThat(dir.getParent()).isEqualTo(cli.home.resolve("incidents"));
        String id = dir.getFileName().toString();
        assertThat(r.out()).contains("journal: " + id);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("incident.md", "incident.json", "errors.jsonl", "metrics.png",
                            "metrics.svg");
        }

        List<String> errors = Files.readAllLines(dir.resolve("errors.jsonl"));
        assertThat(errors).hasSizeGreaterThanOrEqualTo(3);
        for (String line : errors) {
            LogEntry.Builder e = LogEntry.newBuilder();
            JsonFormat.parser().merge(line, e);
            assertThat(e.getSeverity().name()).isEqualTo("ERROR");
            assertThat(e.getResource().getLabelsOrThrow("revision_name")).isEqualTo("virtuoso-api-00003-ghi");
        }

        String md = Files.readString(dir.resolve("incident.md"));
        assertThat(md).contains("**Reason:** 5xx after v1.2.0")
                .containsPattern("\\| [-0-9]+ [:0-9]+Z \\| detected \\| error rate over the 20.0% trigger")
                .containsPattern("\\| decided \\| tester confirmed: route 100% of virtuoso-api traffic")
                .contains("| applied |")
                .containsPattern("\\| verified \\| verification: 5/5 checks passed")
                .contains("**critical — immediate rollback — within 5m**")
                .contains("deadline unknown: the trigger held already at the start of the charts")
                .contains("FAIL error rate: 60.0% 5xx")
                .contains("[metrics.svg](metrics.svg)", "[errors.jsonl](errors.jsonl)")
                .contains("- [x] Verify all endpoints responding", "- [x] Export logs from failed deployment",
                        "- [x] Journal what was done", "- [ ] Update status page", "- [ ] Create incident ticket");

        BufferedImage png = ImageIO.read(dir.resolve("metrics.png").toFile());
        assertThat(png.getWidth()).isGreaterThan(600);
        // The broken revision's line in both plots, a point for each minute of the hour it served,
        // found by the colour the legend gives its name.
        java.awt.Color brokenColour = dev.virtuoso.rollback.adapter.files.SvgPaths.legendColour(
                dir.resolve("metrics.svg"), "virtuoso-api-00003-ghi");
        assertThat(brokenColour).as("the legend names the broken revision").isNotNull();
        List<dev.virtuoso.rollback.adapter.files.SvgPaths.Path> broken = dev.virtuoso.rollback.adapter.files.SvgPaths
                .read(dir.resolve("metrics.svg")).stream().filter(p -> p.points() > 2 && p.line(brokenColour)).toList();
        assertThat(broken).hasSize(2);
        assertThat(broken.get(0).points()).isBetween(58, 61).isEqualTo(broken.get(1).points());
        // The PNG is the same drawing: its pixels hold that line too (an hour of it is hundreds of pixels).
        assertThat(pixels(png, brokenColour)).isGreaterThan(300);
    }

    @Test
    void aCaptureThatCannotReachCloudLoggingIsAWarningAndTheRollbackStillSucceeds() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliHarness.Result r = cli.run(Map.of("LOGGING_EMULATOR_HOST", "127.0.0.1:" + closed), "-r",
                "runbooks/sandbox.yaml", "quick", "--previous", "--yes");

        assertThat(r.code()).isZero();
        assertThat(cli.controls.traffic()).isEqualTo(SandboxControls.PREVIOUS_SERVES);
        Path dir = recordOf(r);
        // After the record's name, once: not a stack trace, not a line per pass.
        assertThat(r.err().lines()).hasSize(2).element(1).asString().startsWith("warning: incident record "
                + "incomplete: errors.jsonl: nothing answers at LOGGING_EMULATOR_HOST=127.0.0.1:" + closed);
        assertThat(dir.resolve("errors.jsonl")).doesNotExist();
        assertThat(dir.resolve("metrics.png")).exists();
        assertThat(Files.readString(dir.resolve("incident.md"))).contains("- errors.jsonl: not exported").doesNotContain("](errors.jsonl)")
                .contains("- [ ] Export logs from failed deployment");
    }

    @Test
    void aRollbackThatFailsWithExit4StillNamesItsRecordWhichSaysItFailed() throws Exception {
        cli.controls.failNextOperation(io.grpc.Status.INTERNAL.withDescription("revision failed to become ready"));
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes");

        assertThat(r.code()).as(r.err()).isEqualTo(4);
        Path dir = recordOf(r);
        String md = Files.readString(dir.resolve("incident.md"));
        assertThat(md).contains("| failed |").doesNotContain("deadline **met**");
    }

    @Test
    void aDryRunKeepsNoRecord() {
        CliHarness.Result r = cli.rb("quick", "--previous", "--dry-run");

        assertThat(r.code()).isZero();
        assertThat(r.out() + r.err()).doesNotContain("incident record");
        assertThat(cli.home.resolve("incidents")).doesNotExist();
    }

    @Test
    void anIncidentDirThatCannotBeWrittenIsExit2BeforeAnythingChanges() throws Exception {
        Path file = Files.writeString(cli.home.resolve("not-a-dir"), "x");
        CliHarness.Result r = cli.rb("quick", "--incident-dir", file.toString(), "--previous", "--yes");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: cannot write the incident directory (--incident-dir) " + file
                + ": it exists and is not a directory\n");
        assertThat(cli.mutations()).isZero();
    }

    @Test
    void incidentDirPutsTheRecordThereAndJsonNamesIt() throws Exception {
        Path there = Files.createDirectories(cli.home.resolve("records"));
        CliHarness.Result r = cli.rb("-o", "json", "quick", "--incident-dir", there.toString(), "--previous", "--yes");

        assertThat(r.code()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        String id = doc.get("journalId").asText();
        assertThat(doc.get("incidentRecord").asText()).isEqualTo(there.resolve(id) + "/");
        assertThat(there.resolve(id).resolve("incident.md")).exists();
        // The hint works as printed: it names the folder the record is in.
        assertThat(r.err()).contains("(`rollback incident show " + id + " --incident-dir " + there + "`)");
    }

    @Test
    void incidentShowPrintsTheRecordByItsShortIdAsTextAndJson() throws Exception {
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes", "--reason", "5xx after v1.2.0");
        String id = recordOf(r).getFileName().toString();
        String shortId = id.substring(id.lastIndexOf('-') + 1);

        CliHarness.Result text = cli.rb("incident", "show", shortId);
        assertThat(text.code()).isZero();
        assertThat(text.err()).isEmpty();
        assertThat(text.out()).startsWith("# Incident record: route 100% of virtuoso-api traffic to "
                + "virtuoso-api-00002-def\n").contains("**Reason:** 5xx after v1.2.0")
                .endsWith("Files in " + cli.home.resolve("incidents").resolve(id) + "/:\n  errors.jsonl\n  incident.json\n"
                        + "  incident.md\n  metrics.png\n  metrics.svg\n");

        CliHarness.Result json = cli.rb("-o", "json", "incident", "show", id);
        assertThat(json.code()).isZero();
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertThat(doc.get("ok").asBoolean()).isTrue();
        assertThat(doc.get("id").asText()).isEqualTo(id);
        assertThat(doc.get("dir").asText()).isEqualTo(cli.home.resolve("incidents").resolve(id) + "/");
        assertThat(doc.get("reason").asText()).isEqualTo("5xx after v1.2.0");
        assertThat(doc.get("timeline").findValuesAsText("event")).containsExactly("detected", "decided", "applied",
                "verified");
        assertThat(doc.get("dirFiles").toString()).isEqualTo(
                "[\"errors.jsonl\",\"incident.json\",\"incident.md\",\"metrics.png\",\"metrics.svg\"]");
        assertThat(doc.get("state").asText()).isEqualTo("verified");
        assertThat(doc.get("decision").get("deadline").isNull()).isTrue();
    }

    @Test
    void incidentShowReadsOnlyTheRecordsFolderNeitherTheJournalNorARunbook() throws Exception {
        CliHarness.Result r = cli.rb("quick", "--previous", "--yes", "--reason", "5xx after v1.2.0");
        Path dir = recordOf(r);
        String id = dir.getFileName().toString();
        Path elsewhere = Files.createDirectories(cli.home.resolve("no-journal-here"));

        CliHarness.Result json = cli.run(Map.of("ROLLBACK_HOME", elsewhere.toString(), "ROLLBACK_INCIDENT_DIR",
                elsewhere.toString()), "-o", "json", "incident", "show", "--incident-dir", dir.getParent().toString(),
                id.substring(id.lastIndexOf('-') + 1));

        assertThat(json.code()).as(json.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertThat(doc.get("id").asText()).isEqualTo(id);
        assertThat(doc.get("reason").asText()).isEqualTo("5xx after v1.2.0");
        assertThat(doc.get("checksBefore").findValuesAsText("verdict")).contains("fail");
        assertThat(doc.get("files").get("metricsPng").asText()).isEqualTo("metrics.png");
        assertThat(doc.get("dirFiles").toString()).contains("\"incident.json\"");
        assertThat(doc.get("dir").asText()).isEqualTo(dir + "/");
    }

    @Test
    void aRecordWithoutIncidentJsonIsShownAsTextAndIsExit2AsJson() throws Exception {
        Path old = Files.createDirectories(cli.home.resolve("incidents").resolve("20261101T000000Z-0ld1"));
        Files.writeString(old.resolve("incident.md"), "# Incident record: an older one\n\n");

        CliHarness.Result text = cli.run("incident", "show", "0ld1");
        assertThat(text.code()).isZero();
        assertThat(text.out()).startsWith("# Incident record: an older one\n");

        CliHarness.Result json = cli.run("-o", "json", "incident", "show", "0ld1");
        assertThat(json.code()).isEqualTo(2);
        assertThat(json.out()).contains("\"ok\" : false").contains("has no incident.json (written by an older rollback)");
    }

    @Test
    void incidentShowOfAnUnknownIdIsExit2() {
        CliHarness.Result r = cli.rb("incident", "show", "beef");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: no incident record beef in " + cli.home.resolve("incidents")
                + "; `rollback history` lists the steps (--incident-dir names where records are kept)\n");
    }

    @Test
    void aDrillsReportLinksTheIncidentRecordOfItsQuickRollback() throws Exception {
        Path reports = cli.home.resolve("drills");
        CliHarness.Result r = cli.rb("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--stable-revision",
                "virtuoso-api-00002-def", "--report", reports.toString(), "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        Path md;
        try (var files = Files.list(reports)) {
            md = files.filter(f -> f.toString().endsWith(".md")).findFirst().orElseThrow();
        }
        Matcher link = Pattern.compile("- incident record: (\\S+)/ \\(the quick rollback's").matcher(Files.readString(md));
        assertThat(link.find()).as(Files.readString(md)).isTrue();
        Path record = Path.of(link.group(1));
        assertThat(Files.readString(record.resolve("incident.md")))
                .contains("# Incident record: route 100% of virtuoso-api traffic to virtuoso-api-00002-def")
                .contains("- **Step:** quick --to-revision virtuoso-api-00002-def, of a drill");
    }

    @Test
    void aSandboxDrillsRecordSaysItsJournalIsGoneAndClaimsNoDeadlineFromTheChartsStart() throws Exception {
        CliHarness.Result r = cli.rb("drill", "--sandbox", "--report", cli.home.resolve("drills").toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        Matcher m = Pattern.compile("incident record: +(\\S+)/ \\(the quick rollback's").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        String md = Files.readString(Path.of(m.group(1)).resolve("incident.md"));
        // The hour of failures its charts show is in its log too, without a request made by hand.
        assertThat(Files.readAllLines(Path.of(m.group(1)).resolve("errors.jsonl"))).hasSizeGreaterThanOrEqualTo(55)
                .allMatch(line -> line.contains("\"revision_name\":\"virtuoso-api-00003-ghi\""));
        assertThat(md).contains("(not kept: an in-process sandbox's, gone with it)")
                .contains("- [ ] Journal what was done (an in-process sandbox keeps no journal)")
                .doesNotContain("rollback history").doesNotContain("rollback undo")
                // The broken revision failed for the whole hour charted: when it began is not known.
                .contains("deadline unknown").doesNotContain("deadline **missed**");
    }
}

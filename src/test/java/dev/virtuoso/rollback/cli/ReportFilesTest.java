package dev.virtuoso.rollback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reports a pipeline keeps (`verify --junit FILE`, `drill --report DIR`): whether they can be
 * written is tried before anything runs, and a report that fails after the run still leaves its
 * results on the console, with an exit code that says the report is missing.
 */
class ReportFilesTest {
    private final CliHarness cli = new CliHarness();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void close() throws Exception {
        cli.close();
    }

    /** Runs {@code action} the first time the tool reads the service: after the up-front checks. */
    private void onFirstRead(IoAction action) {
        AtomicBoolean done = new AtomicBoolean();
        cli.controls.onGetService(() -> {
            if (done.compareAndSet(false, true)) {
                try {
                    action.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    private interface IoAction {
        void run() throws IOException;
    }

    @Test
    void aJUnitReportOnALinkToNowhereIsExit2BeforeAnyCheckIsSent() throws Exception {
        Path link = Files.createSymbolicLink(cli.home.resolve("report.xml"), cli.home.resolve("gone/report.xml"));

        CliHarness.Result r = cli.rb("verify", "--junit", link.toString());

        assertThat(cli.controls.demoRequests("GET /health")).isZero();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: cannot write the JUnit report " + link + ": it is a link to "
                + cli.home.resolve("gone/report.xml") + ", which does not exist\n");
        assertThat(cli.home.resolve("gone")).doesNotExist();
    }

    @Test
    void aJUnitReportInADirectoryThatDoesNotExistIsExit2NamingItAndNoDirectoryIsMade() {
        Path xml = cli.home.resolve("ci/out/report.xml");

        CliHarness.Result r = cli.rb("verify", "--junit", xml.toString());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: cannot write the JUnit report " + xml + ": the directory "
                + xml.getParent() + " does not exist (create it first)\n");
        assertThat(cli.controls.demoRequests("GET /health")).isZero();
        assertThat(cli.home.resolve("ci")).doesNotExist();
    }

    @Test
    void aJUnitReportThatCannotBeWrittenAfterTheChecksLeavesTheResultsOnTheConsoleAndExits2() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        Path xml = cli.home.resolve("report.xml");
        onFirstRead(() -> Files.createDirectory(xml)); // what a colleague's script might do meanwhile

        CliHarness.Result r = cli.rb("verify", "--health", "--junit", xml.toString());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).startsWith("✓ verification passed for virtuoso-api at " + cli.sandbox.demoUrl() + "\n")
                .contains("checks: 3/3 passed");
        assertThat(r.err()).isEqualTo("error: cannot write the JUnit report " + xml + ": Is a directory\n");
    }

    @Test
    void aFailedCheckOutranksAJUnitReportThatCannotBeWrittenExit3AndTheErrorLineStillNamesTheReport() throws Exception {
        Path xml = cli.home.resolve("report.xml");
        onFirstRead(() -> Files.createDirectory(xml));

        CliHarness.Result r = cli.rb("-o", "json", "verify", "--health", "--junit", xml.toString());

        // The broken revision serves: a pipeline that rolls back on exit 3 must still do so.
        assertThat(r.code()).isEqualTo(3);
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("checks")).hasSize(3);
        assertThat(doc.get("error").asText()).isEqualTo("3 of 3 checks failed: /health, /health?detailed=true, "
                + "/health/ready; cannot write the JUnit report " + xml + ": Is a directory");
        assertThat(r.err()).isEqualTo("error: cannot write the JUnit report " + xml + ": Is a directory\n");
    }

    @Test
    void aDrillReportOnALinkToNowhereIsExit2BeforeTheDrillChangesAnything() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        Path link = Files.createSymbolicLink(cli.home.resolve("drills"), cli.home.resolve("gone/drills"));
        int before = cli.mutations();

        CliHarness.Result r = cli.rb("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report", link.toString(),
                "--yes");

        assertThat(cli.mutations()).isEqualTo(before);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: cannot write the drill report directory " + link + ": it is a link to "
                + cli.home.resolve("gone/drills") + ", which does not exist\n");
    }

    @Test
    void aDrillReportThatCannotBeWrittenAfterTheDrillLeavesItsResultsOnTheConsoleAndExits4() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        var traffic = cli.controls.traffic();
        Path reports = cli.home.resolve("reports");
        onFirstRead(() -> Files.writeString(reports, "a file where the report directory was to be made"));

        CliHarness.Result r = cli.rb("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report",
                reports.toString(), "--yes");

        // Exit 2 would say nothing changed; the drill changed the traffic and put it back.
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(r.out()).contains("✓ drill passed for virtuoso-sandbox/us-central1/virtuoso-api\n")
                .contains("time to recover:")
                .doesNotContain("report:");
        assertThat(r.errBesidesRecords()).startsWith("error: cannot write the drill report to " + reports + ": it exists and is not "
                + "a directory; the drill ran and restored the original traffic (journal ").endsWith("): its results "
                + "are above\n");
        assertThat(cli.controls.traffic()).isEqualTo(traffic);
    }

    @Test
    void aDrillReportThatCannotBeWrittenAfterTheDrillIsOkFalseInJsonWithTheError() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        Path reports = cli.home.resolve("reports");
        onFirstRead(() -> Files.writeString(reports, "a file where the report directory was to be made"));

        CliHarness.Result r = cli.rb("-o", "json", "drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report",
                reports.toString(), "--yes");

        assertThat(r.code()).as(r.err()).isEqualTo(4);
        JsonNode doc = json.readTree(r.out());
        assertThat(doc.get("ok").asBoolean()).isFalse();
        assertThat(doc.get("timeToRecoverMs").isNumber()).isTrue();
        assertThat(doc.get("reports")).isEmpty();
        assertThat(doc.get("error").asText()).startsWith("cannot write the drill report to " + reports);
    }

    @Test
    void theDrillsReportDirectoryIsMadeWhenMissingAndTheOutputSaysSo() throws Exception {
        assertThat(cli.rb("quick", "--previous", "--yes").code()).isZero();
        Path reports = cli.home.resolve("drills");

        CliHarness.Result r = cli.rb("drill", "--bad-revision", "virtuoso-api-00003-ghi", "--report",
                reports.toString(), "--yes");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("  report: " + reports.resolve("drill-"))
                .contains("(made the directory " + reports + " for the report)");
        try (var files = Files.list(reports)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }
}

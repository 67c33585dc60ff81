package dev.virtuoso.rollback.adapter.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

class JUnitReportTest {
    @TempDir
    Path dir;

    @Test
    void oneTestcasePerCheckValidAgainstTheSchemaAndReadableBack() throws Exception {
        VerifyReport report = new VerifyReport("https://x", 1234, List.of(
                new CheckResult("/health", "health", Verdict.PASS, 200, 12, "HTTP 200"),
                new CheckResult("execute <cmd> & \"quote\"", "functional", Verdict.FAIL, 500, 30, "HTTP 500 (expected 200): {\"e\": 1}"),
                new CheckResult("error rate", "metric", Verdict.INCONCLUSIVE, null, 0, "fewer than 100 requests"),
                new CheckResult("/health/ready", "health", Verdict.FAIL, null, 3, "connection refused by x:443",
                        CheckResult.Cause.UNREACHABLE),
                CheckResult.notRun("list commands", "functional", "API key not available: set API_KEY")));
        Path file = dir.resolve("report.xml");
        JUnitReport.write(report, "virtuoso-api", Instant.parse("2026-11-28T03:00:00Z"), file, new Secret.Registry());

        SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(getClass().getResource("/junit-10.xsd")).newValidator()
                .validate(new StreamSource(file.toFile()));

        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("tests")).isEqualTo("5");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("errors")).isEqualTo("1");
        assertThat(suite.getAttribute("skipped")).isEqualTo("2");
        assertThat(suite.getAttribute("time")).isEqualTo("1.234");
        var cases = doc.getElementsByTagName("testcase");
        assertThat(cases.getLength()).isEqualTo(5);
        Element failed = (Element) cases.item(1);
        assertThat(failed.getAttribute("name")).isEqualTo("execute <cmd> & \"quote\"");
        Element failure = (Element) failed.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).isEqualTo("HTTP 500 (expected 200): {\"e\": 1}");
        // What CI pages show for each: a skipped check with its reason, an error for a service never reached.
        assertThat(outcome(cases.item(2), "skipped").getAttribute("message")).isEqualTo("fewer than 100 requests");
        assertThat(outcome(cases.item(3), "error").getAttribute("message")).isEqualTo("connection refused by x:443");
        assertThat(outcome(cases.item(4), "skipped").getAttribute("message"))
                .isEqualTo("API key not available: set API_KEY");
    }

    private static Element outcome(org.w3c.dom.Node testcase, String element) {
        var found = ((Element) testcase).getElementsByTagName(element);
        assertThat(found.getLength()).as(element).isEqualTo(1);
        return (Element) found.item(0);
    }

    @Test
    void aReportInADirectoryThatDoesNotExistIsRefusedNamingItAndNothingIsMade() {
        Path file = dir.resolve("out/report.xml");

        assertThatThrownBy(() -> JUnitReport.checkWritable(file)).isInstanceOf(RunbookException.class)
                .hasMessage("cannot write the JUnit report " + file + ": the directory " + dir.resolve("out")
                        + " does not exist (create it first)");
        assertThatThrownBy(() -> JUnitReport.write(new VerifyReport("https://x", 1, List.of()), "virtuoso-api",
                Instant.now(), file, new Secret.Registry())).isInstanceOf(RunbookException.class);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void theCheckThatAnExistingReportCanBeWrittenLeavesItAsItWas() throws Exception {
        Path file = dir.resolve("report.xml");
        Files.writeString(file, "<testsuites/>");
        Files.setLastModifiedTime(file, FileTime.fromMillis(0));

        JUnitReport.checkWritable(file);

        assertThat(Files.readString(file)).isEqualTo("<testsuites/>");
        assertThat(Files.getLastModifiedTime(file).toMillis()).isZero();
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(file);
        }
    }
}

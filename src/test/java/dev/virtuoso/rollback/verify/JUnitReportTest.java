package dev.virtuoso.rollback.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.runbook.CheckResult;
import dev.virtuoso.rollback.runbook.Secret;
import dev.virtuoso.rollback.runbook.Verdict;
import dev.virtuoso.rollback.runbook.VerifyReport;
import java.nio.file.Path;
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
                new CheckResult("error rate", "metric", Verdict.INCONCLUSIVE, null, 0, "fewer than 100 requests")));
        Path file = dir.resolve("out/report.xml");
        JUnitReport.write(report, "virtuoso-api", Instant.parse("2026-11-28T03:00:00Z"), file, new Secret.Registry());

        SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(getClass().getResource("/junit-10.xsd")).newValidator()
                .validate(new StreamSource(file.toFile()));

        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("tests")).isEqualTo("3");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("skipped")).isEqualTo("1");
        assertThat(suite.getAttribute("time")).isEqualTo("1.234");
        var cases = doc.getElementsByTagName("testcase");
        assertThat(cases.getLength()).isEqualTo(3);
        Element failed = (Element) cases.item(1);
        assertThat(failed.getAttribute("name")).isEqualTo("execute <cmd> & \"quote\"");
        Element failure = (Element) failed.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).isEqualTo("HTTP 500 (expected 200): {\"e\": 1}");
        assertThat(((Element) cases.item(2)).getElementsByTagName("skipped").getLength()).isEqualTo(1);
    }
}

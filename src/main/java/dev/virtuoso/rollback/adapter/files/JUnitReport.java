package dev.virtuoso.rollback.adapter.files;

import dev.virtuoso.rollback.model.CheckResult.Cause;
import dev.virtuoso.rollback.model.CheckResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.model.Verdict;
import dev.virtuoso.rollback.model.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * JUnit XML (the Surefire schema GitHub Actions, GitLab and Jenkins read): one testcase per
 * check with its detail as the message: a failure for a check the service failed, an error for
 * one that could not reach it (unknown host, connection refused), skipped for an inconclusive one
 * (not run, or too little traffic to judge). The folder must exist: none is created.
 */
public final class JUnitReport {
    private JUnitReport() {
    }

    /** Checked before the checks run, so a bad path costs nothing. */
    public static void checkWritable(Path file) {
        LocalFiles.checkWritable(file, false, "JUnit report");
    }

    /** Each check's name and detail pass through {@code secrets}: a detail holds a server's words. */
    public static void write(VerifyReport report, String service, Instant at, Path file, Secret.Registry secrets) {
        try {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element suites = doc.createElement("testsuites");
            Element suite = doc.createElement("testsuite");
            suite.setAttribute("name", "rollback verify " + service);
            suite.setAttribute("tests", Integer.toString(report.checks().size()));
            suite.setAttribute("failures", Integer.toString(report.withCause(Verdict.FAIL, Cause.JUDGED).size()));
            suite.setAttribute("errors", Integer.toString(report.withCause(Verdict.FAIL, Cause.UNREACHABLE).size()));
            suite.setAttribute("skipped", Long.toString(report.count(Verdict.INCONCLUSIVE)));
            suite.setAttribute("time", seconds(report.durationMs()));
            suite.setAttribute("timestamp", at.toString());
            for (CheckResult c : report.checks()) {
                Element tc = doc.createElement("testcase");
                tc.setAttribute("classname", service + "." + c.kind());
                tc.setAttribute("name", secrets.redact(c.name()));
                tc.setAttribute("time", seconds(c.latencyMs()));
                if (c.verdict() != Verdict.PASS) {
                    Element outcome = doc.createElement(c.verdict() == Verdict.INCONCLUSIVE ? "skipped"
                            : c.cause() == Cause.UNREACHABLE ? "error" : "failure");
                    String detail = secrets.redact(c.detail());
                    outcome.setAttribute("message", detail);
                    outcome.setAttribute("type", c.kind() + (c.status() == null ? "" : " HTTP " + c.status()));
                    outcome.setTextContent(detail);
                    tc.appendChild(outcome);
                }
                suite.appendChild(tc);
            }
            suites.appendChild(suite);
            doc.appendChild(suites);
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            try (var out = Files.newOutputStream(file)) {
                t.transform(new DOMSource(doc), new StreamResult(out));
            }
        } catch (IOException e) {
            throw LocalFiles.problem("JUnit report", file, e);
        } catch (javax.xml.parsers.ParserConfigurationException | javax.xml.transform.TransformerException e) {
            throw new RunbookException(ExitCode.INTERNAL, "cannot write JUnit XML to " + file + ": " + e.getMessage(), e);
        }
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }
}

package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.runbook.RunbookException;
import dev.virtuoso.rollback.runbook.VerifyReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = {
    "Run the runbook's health and functional checks; exit 3 when one fails.",
    "Health: GET each health path. Functional: the API calls, with the API key as X-API-Key (only over https "
        + "or to loopback). All checks run at once, each with the runbook's timeout and retries (connection "
        + "errors and 5xx only)."},
        footer = {"", "Example (CI smoke check):  rollback -r runbooks/virtuoso-api.yaml verify -o json"})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--health", description = "Health checks (default: all configured kinds).")
    boolean health;

    @Option(names = "--functional", description = "Functional checks.")
    boolean functional;

    @Option(names = "--metrics", description = "Metric checks from Cloud Monitoring (not implemented yet).")
    boolean metrics;

    @Option(names = "--revision", paramLabel = "R", description = "Check one revision (not implemented yet).")
    String revision;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write JUnit XML (not implemented yet).")
    Path junit;

    @Override
    public Integer call() {
        if (metrics || revision != null || junit != null) {
            throw new RunbookException(dev.virtuoso.rollback.runbook.ExitCode.INTERNAL,
                    "--metrics, --revision and --junit are not implemented yet in this build");
        }
        boolean all = !health && !functional;
        Session s = Session.of(spec);
        VerifyReport report = s.wiring.verifier().verify(s.verifyRequest(all || health, all || functional));
        return s.output().verify(report, s.target().service().name());
    }
}

package dev.virtuoso.rollback.sandbox;

import dev.virtuoso.rollback.cli.Session;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sandbox", description = {
    "Run emulated Google APIs (Cloud Run, Monitoring, Secret Manager, Firestore Admin, Cloud Storage, BigQuery) "
        + "and a demo service until interrupted.",
    "Prints `export` lines for the emulator variables. The demo virtuoso-api has two good revisions, a broken "
        + "one serving 100%%, and a newer one that never became Ready. Use runbooks/sandbox.yaml.",
    "The same service runs in us-central1, europe-west1 and asia-northeast1, each with its own history, URL "
        + "(the first at --demo-port) and metrics: runbooks/sandbox-fleet.yaml acts on all three at once.",
    "BigQuery holds dataset analytics: about an hour ago a bad deploy deleted a third of command_executions "
        + "(partitioned, clustered) and zeroed rows of daily_totals (plain); try `rollback restore bigquery --table "
        + "analytics.command_executions --at -2h`.",
    "--service NAME names the demo service (default virtuoso-api) and its revisions after it, e.g. to try a name "
        + "as long as Cloud Run allows (49 characters); name it to the tool the same way: `rollback --service NAME "
        + "status`."},
        footer = {"", "Examples:", "  rollback sandbox > /tmp/sandbox.env &", "  . /tmp/sandbox.env",
            "  ROLLBACK_RUNBOOK=runbooks/sandbox.yaml rollback quick --previous --yes",
            "  rollback sandbox --service virtuoso-api-staging-europe-west1-canary-green"})
public final class SandboxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--operation-delay", paramLabel = "D", defaultValue = "300ms",
            description = "How long an update takes to apply its traffic, after any new revision started, and how "
                + "long a Firestore import or export or a BigQuery job takes (default ${DEFAULT-VALUE}).")
    Duration operationDelay;

    @Option(names = "--revision-start-delay", paramLabel = "D", defaultValue = "300ms",
            description = "How long a new revision takes to become Ready (or to fail to start) before its "
                + "traffic is routed (default ${DEFAULT-VALUE}).")
    Duration revisionStartDelay;

    @Option(names = "--grpc-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of the emulated Google APIs (default: any free).")
    int grpcPort;

    @Option(names = "--demo-port", paramLabel = "PORT", defaultValue = "0", description = "Demo service port (default: any free).")
    int demoPort;

    @Option(names = "--requests-per-minute", paramLabel = "N", defaultValue = "600",
            description = "Synthetic traffic behind the request metrics (default ${DEFAULT-VALUE}; 0: none).")
    double requestsPerMinute;

    @Option(names = "--metrics-lag", paramLabel = "D", defaultValue = "0s",
            description = "How far Monitoring data lags (real Monitoring: 60-180s; default ${DEFAULT-VALUE}).")
    Duration metricsLag;

    @ArgGroup(exclusive = false)
    Ci ci;

    static final class Ci {
        @Option(names = "--git-repo", paramLabel = "DIR", required = true, description = {"Deploy virtuoso-api as CI "
            + "would on every push to this bare git repository (image :<short sha>; service.properties at the commit "
            + "says healthy=false or starts=false). Created with the demo's history when missing."})
        Path repo;

        @Option(names = "--git-branch", paramLabel = "NAME", defaultValue = "main",
                description = "The branch CI deploys (default ${DEFAULT-VALUE}).")
        String branch;
    }

    @Override
    public Integer call() throws InterruptedException {
        Session s = Session.of(spec);
        String service = s.opts.service != null ? s.opts.service : Sandbox.SERVICE;
        Sandbox.Options options = new Sandbox.Options(operationDelay, grpcPort, demoPort, requestsPerMinute, metricsLag,
                revisionStartDelay, null, "main", Sandbox.Options.defaults().gitPollInterval(), Sandbox.SERVICE,
                Sandbox.FLEET_REGIONS);
        if (ci != null) {
            options = options.withGitRepo(ci.repo.toAbsolutePath().normalize(), ci.branch);
        }
        try (Sandbox sandbox = start(options, service)) {
            PrintWriter out = s.ctx.out();
            sandbox.emulatorVariables().forEach((k, v) -> out.println("export " + k + "=" + v));
            out.println("# demo service " + service + " at " + sandbox.demoUrl() + " (project "
                    + Sandbox.PROJECT + ", region " + Sandbox.REGION + "); its API key is in Secret Manager ("
                    + Sandbox.API_KEY_SECRET + "); Slack-compatible webhook at " + sandbox.webhookUrl()
                    + " and Web API (notify.slack with any token; its messages and files are shown here)"
                    + (service.equals(Sandbox.SERVICE) ? "" : "; runbooks/sandbox.yaml names " + Sandbox.SERVICE
                    + ": pass --service " + service));
            for (String region : sandbox.regions().subList(1, sandbox.regions().size())) {
                out.println("# " + service + " in " + region + " at " + sandbox.demoUrl(region)
                        + " (runbooks/sandbox-fleet.yaml names every region)");
            }
            out.println("# a bucket for a team's shared journal and its locks: export ROLLBACK_JOURNAL=gs://"
                    + Sandbox.JOURNAL_BUCKET + "/team (each engineer with a ROLLBACK_HOME of their own)");
            sandbox.onSlackMessage(line -> {
                out.println("# Slack " + line);
                out.flush();
            });
            if (ci != null) {
                out.println("# CI: each push to " + options.gitBranch() + " of " + options.gitRepo() + " deploys "
                        + service + " as " + Sandbox.IMAGE + ":<short sha>; clone it: git clone "
                        + options.gitRepo() + " " + service);
                sandbox.onCiEvent(event -> {
                    out.println("# " + event);
                    out.flush();
                });
            }
            out.println("# Firestore (default) with an export from before the bad deploy: " + sandbox.firestoreExport()
                    + " (rollback restore firestore --list)");
            out.println("# an open Cloud Monitoring incident about " + service + ", as its alert policy would send it: "
                    + incident(service) + " (rollback respond --yes --event FILE)");
            out.println("# try: ROLLBACK_RUNBOOK=runbooks/sandbox.yaml target/rollback status (in the project's "
                    + "folder); stop with Ctrl-C, or kill " + ProcessHandle.current().pid() + " when it runs in the "
                    + "background");
            out.flush();
            new CountDownLatch(1).await();
        }
        return 0;
    }

    /**
     * A file holding an open incident of "Auto Rollback on High Error Rate" about {@code service}, in the
     * form Cloud Monitoring's webhook and Pub/Sub channels send (schema 1.2), removed when the sandbox
     * stops. Its id is new for each sandbox, so a journal kept from an earlier one does not know it.
     */
    private static Path incident(String service) {
        String id = "0." + Long.toString(System.currentTimeMillis(), 36);
        String json = "{\"version\": \"1.2\", \"incident\": {\"incident_id\": \"" + id + "\", "
                + "\"scoping_project_id\": \"" + Sandbox.PROJECT + "\", \"state\": \"open\", \"started_at\": "
                + Instant.now().getEpochSecond() + ", \"ended_at\": null, \"policy_name\": "
                + "\"Auto Rollback on High Error Rate\", \"condition_name\": \"5xx ratio > 50% for 1m\", "
                + "\"summary\": \"5xx ratio for " + service + " is above the threshold of 0.5\", \"resource\": "
                + "{\"type\": \"cloud_run_revision\", \"labels\": {\"project_id\": \"" + Sandbox.PROJECT + "\", "
                + "\"service_name\": \"" + service + "\", \"location\": \"" + Sandbox.REGION + "\"}}}}\n";
        try {
            Path file = Files.createTempFile("sandbox-incident-", ".json");
            Files.writeString(file, json);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Sandbox start(Sandbox.Options options, String service) {
        try {
            return Sandbox.start(options.withService(service));
        } catch (IllegalArgumentException e) {
            throw new RunbookException(ExitCode.INVALID_INPUT, e.getMessage(), e);
        }
    }
}

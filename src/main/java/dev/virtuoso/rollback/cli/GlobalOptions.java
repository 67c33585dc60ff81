package dev.virtuoso.rollback.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The options every subcommand accepts declared once and inherited. */
public final class GlobalOptions {
    public enum Format { text, json }

    @Option(names = {"-r", "--runbook"}, paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Runbook file (default: $ROLLBACK_RUNBOOK).")
    Path runbook;

    @Option(names = "--project", paramLabel = "P", scope = ScopeType.INHERIT,
            description = "Google Cloud project (default: $CLOUDSDK_CORE_PROJECT, $GOOGLE_CLOUD_PROJECT, runbook, gcloud config).")
    String project;

    @Option(names = "--region", paramLabel = "R", scope = ScopeType.INHERIT,
            description = "Cloud Run region (default: $CLOUDSDK_RUN_REGION, runbook, gcloud [run] region). A comma "
                + "list (us-central1,europe-west1) runs status, quick, image, verify or assess on each region at once: "
                + "one plan, one question, a table of results; exit code the largest of theirs.")
    String region;

    @Option(names = "--service", paramLabel = "S", scope = ScopeType.INHERIT,
            description = "Cloud Run service (default: the runbook's service.name).")
    public String service;

    @Option(names = "--url", paramLabel = "U", scope = ScopeType.INHERIT,
            description = "Base URL for checks (default: runbook service.url, else the service's own URL).")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT, defaultValue = "text",
            description = "text or json (json: exactly one JSON document on stdout).")
    Format output = Format.text;

    @Option(names = {"-y", "--yes"}, scope = ScopeType.INHERIT,
            description = "Do not ask for confirmation (needed when stdin is not a terminal).")
    public boolean yes;

    @Option(names = "--dry-run", scope = ScopeType.INHERIT, description = "Show the plan; change nothing.")
    boolean dryRun;

    @Option(names = "--wait-lock", paramLabel = "D", scope = ScopeType.INHERIT, defaultValue = "0s",
            description = "With a shared journal (runbook journal: gs://..., or $ROLLBACK_JOURNAL), wait up to D "
                    + "(30s, 5m) for another command's lock of the service instead of stopping (exit 5). "
                    + "With the local journal there is no lock, so nothing to wait for.")
    java.time.Duration waitLock = java.time.Duration.ZERO;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "More detail.")
    boolean verbose;

    @Option(names = {"-e", "--errors"}, scope = ScopeType.INHERIT, description = "Show stack traces on errors.")
    boolean errors;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    String reason;

    /** One line, so history, lock holders and notifications show it whole; refused before anything runs. */
    @Option(names = "--reason", paramLabel = "TEXT", scope = ScopeType.INHERIT,
            description = "Why (commands that change something): journaled with each step, shown by history, "
                    + "sent with the notifications.")
    void reason(String text) {
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw new ParameterException(mixee.commandLine(),
                    "--reason must be one line of text (it has a line break or control character)");
        }
        reason = text;
    }

    @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "No colour (also: NO_COLOR).")
    boolean noColor;

    /** Why, as given with --reason; null when not given. */
    public String reason() {
        return reason;
    }

    boolean json() {
        return output == Format.json;
    }

    /**
     * The same options without what names a runbook or a target: the in-process sandbox has its
     * own, and the user's (a production service, its URL) must never reach it.
     */
    GlobalOptions withoutTarget() {
        GlobalOptions o = new GlobalOptions();
        o.output = output;
        o.yes = yes;
        o.dryRun = dryRun;
        o.waitLock = waitLock;
        o.verbose = verbose;
        o.errors = errors;
        o.noColor = noColor;
        o.reason = reason;
        return o;
    }
}

package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.adapter.slack.SlackBotNotifier;
import dev.virtuoso.rollback.adapter.slack.SlackNotifier;
import dev.virtuoso.rollback.change.Change;
import dev.virtuoso.rollback.change.ChangePipeline;
import dev.virtuoso.rollback.change.DryRun;
import dev.virtuoso.rollback.change.IncidentCapture;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.Preflight;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.cli.render.Output;
import dev.virtuoso.rollback.cli.render.Render;
import dev.virtuoso.rollback.cli.render.Style;
import dev.virtuoso.rollback.config.Runbook;
import dev.virtuoso.rollback.config.RunbookLoader;
import dev.virtuoso.rollback.config.SharedJournal;
import dev.virtuoso.rollback.config.TargetResolver;
import dev.virtuoso.rollback.incident.IncidentRecorder;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.model.ServiceState;
import dev.virtuoso.rollback.model.Target;
import dev.virtuoso.rollback.model.VerifyRequest;
import dev.virtuoso.rollback.port.AlertPolicies;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.FirestoreAdmin;
import dev.virtuoso.rollback.port.FirestoreExports;
import dev.virtuoso.rollback.port.IncidentRecords;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.ServiceLocks;
import dev.virtuoso.rollback.port.SourceControl;
import dev.virtuoso.rollback.port.Verifier;
import dev.virtuoso.rollback.verification.Verification;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** What a command needs for one run: options, runbook, target, adapters, console. */
public final class Session {
    public final Context ctx;
    public final GlobalOptions opts;
    final Wiring wiring;
    /** Set when this run is one region of a fleet: that region, and what it shares with the others. */
    final Fleet.Member member;
    private Runbook runbook;
    private Target target;
    private SourceControl git;

    Session(Context ctx, GlobalOptions opts, Wiring wiring) {
        this(ctx, opts, wiring, null);
    }

    Session(Context ctx, GlobalOptions opts, Wiring wiring, Fleet.Member member) {
        this.ctx = ctx;
        this.opts = opts;
        this.wiring = wiring;
        this.member = member;
    }

    public static Session of(CommandSpec spec) {
        Session s = ((RootCommand) spec.root().userObject()).session();
        // A command that changes something takes the incident options; the others keep the defaults.
        spec.mixins().values().stream().map(CommandSpec::userObject).filter(IncidentOptions.class::isInstance)
                .findFirst().ifPresent(options -> s.incident = (IncidentOptions) options);
        return s;
    }

    /** The incident record's --incident-dir and --since, as the command took them. */
    private IncidentOptions incident = new IncidentOptions();

    /**
     * The same console against other adapters and environment (the in-process sandbox) and its
     * runbook; the runbook and target options given for the real service do not apply there.
     */
    Session with(Wiring other, Runbook book) {
        Session s = new Session(other.context(), opts.withoutTarget(), other);
        s.runbook = book;
        s.incident = incident.copy();
        s.journalKept = false;
        return s;
    }

    /** False for an in-process sandbox's session, whose journal is deleted with it. */
    private boolean journalKept = true;

    /** The runbook file given (-r, else ROLLBACK_RUNBOOK), if any. */
    public Optional<Path> runbookFile() {
        return opts.runbook != null ? Optional.of(opts.runbook)
                : Optional.ofNullable(ctx.env().get("ROLLBACK_RUNBOOK")).filter(v -> !v.isBlank()).map(Path::of);
    }

    /**
     * {@code rollback}, the runbook and target options of this run (the runbook as given, from -r or
     * $ROLLBACK_RUNBOOK), then {@code words}, quoted for the shell: a command to copy that acts on
     * the same service.
     */
    public String rollbackCommand(String... words) {
        List<String> all = new java.util.ArrayList<>(List.of("rollback"));
        runbookFile().ifPresent(f -> all.addAll(List.of("-r", f.toString())));
        String region = member != null ? member.region : opts.region;
        String[][] target = {{"--project", opts.project}, {"--region", region}, {"--service", opts.service},
            {"--url", opts.url}};
        for (String[] option : target) {
            if (option[1] != null) {
                all.addAll(List.of(option));
            }
        }
        all.addAll(List.of(words));
        return String.join(" ", all.stream().map(Render::shellWord).toList());
    }

    public Runbook runbook() {
        if (runbook == null) {
            Runbook book = runbookFile().map(new RunbookLoader()::load).orElseGet(Runbook::empty);
            runbook = member != null ? book.forRegion(member.region) : book;
            // A secret held in a variable is known without a call: it is redacted from everything the
            // run writes even when the run never uses it (--no-verify), since a server may echo it.
            java.util.stream.Stream.of(runbook.apiKey(), runbook.notifications().slackWebhook(),
                    runbook.notifications().slack() == null ? null : runbook.notifications().slack().token())
                    .filter(source -> source != null && source.env() != null).map(source -> ctx.env().get(source.env()))
                    .filter(value -> value != null && !value.isBlank()).forEach(value -> ctx.secrets().add(new Secret(value)));
        }
        return runbook;
    }

    public Target target() {
        if (target == null) {
            List<String> regions = member != null ? List.of(member.region) : regions();
            if (regions.size() > 1) {
                throw RunbookException.invalid(Fleet.takesOne(regions));
            }
            target = new TargetResolver(ctx.env()).resolve(new TargetResolver.Flags(opts.project,
                    regions.isEmpty() ? null : regions.get(0), opts.service, opts.url), runbook());
        }
        return target;
    }

    /** The regions given (--region, CLOUDSDK_RUN_REGION, the runbook, gcloud); several for a fleet. */
    List<String> regions() {
        return new TargetResolver(ctx.env()).regions(opts.region, runbook());
    }

    /** {@code --dry-run}, decided here once: every port handed out refuses to change anything. */
    public boolean dryRun() {
        return opts.dryRun;
    }

    private <T> T port(Class<T> type, T adapter) {
        return dryRun() ? DryRun.guard(type, adapter) : adapter;
    }

    public ServiceControl control() {
        return port(ServiceControl.class, wiring.serviceControl());
    }

    /**
     * The journal a team shares, if any: $ROLLBACK_JOURNAL, else the runbook's {@code journal}
     * (an environment variable set for a run wins over the file, as with the target); null: the local file.
     */
    private SharedJournal sharedJournal() {
        String env = ctx.env().get("ROLLBACK_JOURNAL");
        if (env != null && !env.isBlank()) {
            return SharedJournal.parse(env, "ROLLBACK_JOURNAL");
        }
        String book = runbook().journal();
        return book == null ? null : SharedJournal.parse(book, "the runbook's journal");
    }

    /** The journal, whose free text (an error's message, a server's words) leaves without this run's secrets. */
    public Journal journal() {
        Journal file = wiring.journal(sharedJournal(), dryRun());
        return port(Journal.class, new Journal() {
            @Override
            public void append(JournalRecord record) {
                file.append(record.withText(ctx.secrets()::redact));
            }

            @Override
            public void checkWritable() {
                file.checkWritable();
            }

            @Override
            public List<JournalRecord> history() {
                return file.history();
            }
        });
    }

    public AlertPolicies alertPolicies() {
        return port(AlertPolicies.class, wiring.alertPolicies());
    }

    public FirestoreAdmin firestoreAdmin() {
        return port(FirestoreAdmin.class, wiring.firestoreAdmin());
    }

    public FirestoreExports firestoreExports() {
        return port(FirestoreExports.class, wiring.firestoreExports());
    }

    public Verifier verifier() {
        return wiring.verifier();
    }

    public SecretStore secrets() {
        return port(SecretStore.class, wiring.secrets());
    }

    public BigQueryTables bigquery() {
        return port(BigQueryTables.class, wiring.bigquery());
    }

    /** One per run: it remembers what checkReady saw, which revert checks again. With -v it shows each git command. */
    public SourceControl git() {
        if (git == null) {
            git = port(SourceControl.class, wiring.git(opts.verbose ? command -> ui().info("  $ " + command)
                    : command -> { }, incidentRoot()));
        }
        return git;
    }

    public Wait waiting() {
        return wiring.waiting();
    }

    Style style() {
        boolean color = ctx.interactive() && !opts.noColor && !ctx.env().containsKey("NO_COLOR");
        return new Style(color);
    }

    /** What the command did, in one line, for the log of a server that runs it per request (RespondServer). */
    public void report(String line) {
        wiring.report(line);
    }

    /** The console; in a dry run nothing will change, so there is nothing to confirm. */
    public ConsoleInteraction ui() {
        ConsoleInteraction console = new ConsoleInteraction(ctx, opts, style(), member, () -> runbook().askReason());
        return dryRun() ? console.confirmed() : console;
    }

    public Output output() {
        return new Output(ctx.out(), opts.json(), opts.verbose, style(), ctx.clock());
    }

    /** The one pipeline every change of this run goes through. */
    public ChangePipeline pipeline() {
        return pipeline(ui());
    }

    public ChangePipeline pipeline(ConsoleInteraction console) {
        return pipeline(console, notifier(console));
    }

    public ChangePipeline pipeline(ConsoleInteraction console, Notifier notifier) {
        // A dry run sends nothing, so it has no incident to record, but it says whether the real run could.
        // An in-process sandbox's drill keeps one (unlike its journal, which would send `undo` after a
        // service that is gone): its charts and logs show what a drill looks like, and its report links them.
        if (dryRun()) {
            checkIncidentRecord();
        }
        IncidentRecorder incidents = dryRun() ? null : incidentRecorder();
        return new ChangePipeline(incidents == null ? journal() : incidents.observing(journal()), console, verifier(),
                notifier, ctx.clock(), user(), dryRun())
                .because(opts.reason)
                .locking(port(ServiceLocks.class, locks()))
                .recording(incidents == null ? IncidentCapture.NONE : incidents);
    }

    /** For a command that only reads records (`incident show`) and takes --incident-dir of its own. */
    public Session readingIncidentsIn(Path dir) {
        if (dir != null) {
            incident.incidentDir = dir;
        }
        return this;
    }

    /** The incident records of this run's steps; a --incident-dir that cannot be written is exit 2 now. */
    public IncidentRecords incidents() {
        Path dir = chosenIncidentDir();
        return port(IncidentRecords.class, wiring.incidents(dir, incident.incidentDir != null ? "--incident-dir"
                : "$ROLLBACK_INCIDENT_DIR", ctx.secrets()));
    }

    /** The folder the user named for incident records (--incident-dir, else $ROLLBACK_INCIDENT_DIR); null: none. */
    private Path chosenIncidentDir() {
        String env = ctx.env().get("ROLLBACK_INCIDENT_DIR");
        return incident.incidentDir != null ? incident.incidentDir : env != null && !env.isBlank() ? Path.of(env) : null;
    }

    /** The folder incident records go in, named or the default. */
    private Path incidentRoot() {
        return Wiring.incidentRoot(chosenIncidentDir());
    }

    /**
     * Exit 2 now when the incident record could not be written, for a command that changes something
     * later (watch --auto, respond --serve) and a dry run, which says whether the real run would go.
     * Nothing is created.
     */
    public void checkIncidentRecord() {
        incidents().checkWritable();
        checkedAtStart = true;
    }

    /** The records' folder was checked when the run started (watch --auto): it is not a reason to stop later. */
    private boolean checkedAtStart;

    /** The records of the pipeline's steps; null: none kept (a folder gone bad since a start that checked it). */
    private IncidentRecorder incidentRecorder() {
        IncidentRecords records = incidents();
        // Named (and warned about) at the very end of the run, on its own console: a fleet's regions
        // print into buffers that are shown before then.
        PrintWriter end = wiring.context().err();
        String region = member == null ? "" : member.region + ": ";
        try {
            records.checkWritable();
        } catch (RuntimeException e) {
            if (!checkedAtStart && !wiring.answersRequest()) {
                throw e;
            }
            // A watch or a responder checked it when it started; what went wrong since is not worth
            // holding back the rollback it is there for.
            end.println(region + "warning: no incident record: " + ctx.secrets().redact(e.getMessage()));
            return null;
        }
        IncidentRecorder recorder = new IncidentRecorder(records, new IncidentRecorder.Sources(wiring.metrics(),
                wiring.metricHistory(), wiring.errorLogs()), runbook().triggers(), runbook().decisionMatrix(),
                ctx.clock(), incident.since, wiring.recordsDeadline(), () -> Optional.of(target().service()),
                (where, id) -> end.println(region + "incident record: " + where + " (`rollback incident show " + id
                        + (incident.incidentDir == null ? "" : " --incident-dir "
                        + Render.shellWord(incident.incidentDir.toString())) + "`)"),
                warning -> end.println(region + "warning: " + ctx.secrets().redact(warning)), journalKept);
        // Completed at the end of the run, after its output and before the notifier sends the last of it.
        wiring.closeAtEnd(recorder);
        recorders.add(recorder);
        return recorder;
    }

    private final List<IncidentRecorder> recorders = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Completes the incident records of this session's steps now rather than at the end of the run:
     * for a command that goes on after its change (watch --auto watches the outcome), so that the
     * record is named, and its chart shared, even if it is stopped with Ctrl-C later.
     */
    public void completeIncidentRecords() {
        recorders.forEach(IncidentRecorder::close);
    }

    /** The services' locks, whose reason (shown to colleagues, kept in the bucket) leaves without this run's secrets. */
    private ServiceLocks locks() {
        ServiceLocks locks = wiring.locks(sharedJournal(), user() + "@" + host(), opts.waitLock);
        return (service, command, reason, progress) -> locks.acquire(service, command,
                reason == null ? null : ctx.secrets().redact(reason), progress);
    }

    /** This machine's name, for the holder of a lock (user@host). */
    private String host() {
        String host = ctx.env().get("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    public String user() {
        return ctx.env().getOrDefault("USER", System.getProperty("user.name", "unknown"));
    }

    /**
     * Slack when the runbook names a bot token or a webhook; one that cannot be resolved is a
     * warning, not a stop.
     */
    public Notifier notifier(ConsoleInteraction console) {
        Runbook.Notify notify = runbook().notifications();
        if (notify.slack() == null && notify.slackWebhook() == null) {
            return Notifier.NONE;
        }
        try {
            java.util.function.Consumer<String> warn = warning -> console.info("warning: " + warning);
            AutoCloseable slack;
            Notifier notifier;
            if (notify.slack() != null) {
                SlackBotNotifier bot = new SlackBotNotifier(resolve(notify.slack().token(), "notify.slack.token"),
                        notify.slack().channel(), slackApi(), ctx.secrets(), ctx.sleeper(), warn);
                slack = bot;
                notifier = bot;
            } else {
                SlackNotifier hook = new SlackNotifier(resolve(notify.slackWebhook(), "notify.slackWebhook"),
                        ctx.secrets(), warn);
                slack = hook;
                notifier = hook;
            }
            wiring.closeAtEnd(slack);
            return port(Notifier.class, notifier);
        } catch (RunbookException e) {
            console.info("warning: no Slack notifications: " + e.getMessage());
            return Notifier.NONE;
        }
    }

    /** Slack's Web API, or the sandbox's stand-in for it when {@value #SLACK_API_EMULATOR_HOST} names one. */
    private java.net.URI slackApi() {
        String host = ctx.env().get(SLACK_API_EMULATOR_HOST);
        if (host == null || host.isBlank()) {
            return SlackBotNotifier.SLACK_API;
        }
        if (!host.matches("[A-Za-z0-9.-]+:\\d{1,5}")) {
            throw RunbookException.invalid(SLACK_API_EMULATOR_HOST + " must be host:port, not '" + host + "'");
        }
        return java.net.URI.create("http://" + host + "/api/");
    }

    /** Points Slack's Web API at a local stand-in (plain HTTP), as the other *_EMULATOR_HOST variables do. */
    public static final String SLACK_API_EMULATOR_HOST = "SLACK_API_EMULATOR_HOST";

    /**
     * Checks against --url, else the runbook's URL for its own service, else the service's own
     * URL. The API key is resolved now, before anything changes.
     */
    public VerifyRequest verifyRequest(ServiceState state, boolean health, boolean functional) {
        String configured = opts.url != null ? opts.url
                : state == null || state.ref().name().equals(runbook().service().name()) ? runbook().service().url() : null;
        String url = configured != null ? configured : state == null ? null : state.uri();
        if (url == null || url.isBlank()) {
            throw RunbookException.invalid("no URL to check: pass --url or set service.url in the runbook");
        }
        Runbook.Checks checks = runbook().checks();
        boolean needsKey = functional && checks.functional().stream().anyMatch(Runbook.HttpCheck::auth);
        if (!needsKey) {
            return new VerifyRequest(url, checks, health, functional, Optional.empty());
        }
        Secret key;
        try {
            key = apiKey();
        } catch (RunbookException e) {
            // A missing key is a gap in the checks, never a reason not to roll back.
            return new VerifyRequest(url, checks, health, functional, Optional.empty(), "API key not available: "
                    + e.getMessage());
        }
        return new VerifyRequest(url, checks, health, functional, Optional.of(key));
    }

    public Verification verification() {
        return new Verification(wiring.verifier(), wiring.metrics(), ctx.clock());
    }

    public Verification.MetricRequest metricRequest(Optional<String> revision) {
        return new Verification.MetricRequest(target().service(), revision, runbook().triggers(),
                runbook().decisionMatrix());
    }

    /**
     * The health and functional checks to run after {@code change}: none when {@code skip}, when
     * nothing will change, or when it changes no service (an alert policy).
     */
    public Optional<VerifyRequest> checksAfter(Change<?> change, boolean skip) {
        return skip || change.about().unchangedReason() != null ? Optional.empty()
                : change.about().service().map(state -> verifyRequest(state, true, true));
    }

    /** The target service's revision {@code name}: exit 2, listing its revisions, when there is none. */
    public String revision(String name) {
        return Preflight.find(target().service(), control().revisions(target().service()), name).name();
    }

    /** The URL to check without asking Cloud Run when the runbook or flags give one. */
    public VerifyRequest verifyRequest(boolean health, boolean functional) {
        ServiceState state = target().url().isPresent() ? null : control().service(target().service());
        return verifyRequest(state, health, functional);
    }

    private Secret apiKey() {
        Runbook.SecretSource source = runbook().apiKey();
        if (source == null) {
            throw RunbookException.invalid("the runbook has no apiKey block");
        }
        return resolve(source, "apiKey");
    }

    /** Every secret of the run is read here, and from then on redacted from everything the run writes. */
    private Secret resolve(Runbook.SecretSource source, String key) {
        Secret secret;
        if (source.secret() != null) {
            secret = secrets().newestEnabled(target().service().project(), source.secret());
        } else {
            String value = ctx.env().get(source.env());
            if (value == null || value.isBlank()) {
                throw RunbookException.invalid("set " + source.env() + " or use " + key + ".secret (" + key + ".env: "
                        + source.env() + " is not set)");
            }
            secret = new Secret(value);
        }
        ctx.secrets().add(secret);
        return secret;
    }
}

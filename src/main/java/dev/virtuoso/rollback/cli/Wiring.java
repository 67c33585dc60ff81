package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.adapter.gcp.BigQueryTableStore;
import dev.virtuoso.rollback.adapter.gcp.CloudRunServiceControl;
import dev.virtuoso.rollback.adapter.gcp.FirestoreAdminApi;
import dev.virtuoso.rollback.adapter.gcp.GcpClients;
import dev.virtuoso.rollback.adapter.gcp.GcsJournal;
import dev.virtuoso.rollback.adapter.gcp.GcsServiceLocks;
import dev.virtuoso.rollback.adapter.gcp.MonitoringAlertPolicies;
import dev.virtuoso.rollback.adapter.gcp.MonitoringMetrics;
import dev.virtuoso.rollback.adapter.gcp.SecretManagerStore;
import dev.virtuoso.rollback.adapter.gcp.StorageExports;
import dev.virtuoso.rollback.adapter.git.SystemGit;
import dev.virtuoso.rollback.adapter.http.HttpVerifier;
import dev.virtuoso.rollback.adapter.journal.JsonlJournal;
import dev.virtuoso.rollback.change.JournalRecord;
import dev.virtuoso.rollback.change.OpenSteps;
import dev.virtuoso.rollback.change.Wait;
import dev.virtuoso.rollback.config.SharedJournal;
import dev.virtuoso.rollback.port.AlertPolicies;
import dev.virtuoso.rollback.port.BigQueryTables;
import dev.virtuoso.rollback.port.FirestoreAdmin;
import dev.virtuoso.rollback.port.FirestoreExports;
import dev.virtuoso.rollback.port.Journal;
import dev.virtuoso.rollback.port.Metrics;
import dev.virtuoso.rollback.port.SecretStore;
import dev.virtuoso.rollback.port.ServiceControl;
import dev.virtuoso.rollback.port.ServiceLocks;
import dev.virtuoso.rollback.port.SourceControl;
import dev.virtuoso.rollback.port.Verifier;
import java.util.ArrayList;
import java.util.List;

/** The adapters of one run, created on first use and closed at the end. */
final class Wiring implements AutoCloseable {
    private final Context ctx;
    private GcpClients gcp;
    private ServiceControl control;
    // Read without the wiring's lock by Ctrl-C, which must not wait for a command's call in progress.
    private volatile JsonlJournal journal;
    private volatile GcsJournal shared;
    private volatile GcsServiceLocks locks;
    private HttpVerifier verifier;
    private final List<AutoCloseable> closeFirst = new ArrayList<>();
    /** The wirings of the requests a server is handling now, each closed (and so removed) when its request ends. */
    private final java.util.Set<Wiring> requests = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Wiring server;
    private volatile String reported;
    /** How long a hard stop waits for Cloud Storage to take the locks back. */
    static final java.time.Duration RELEASE_AT_STOP = java.time.Duration.ofSeconds(3);

    Wiring(Context ctx) {
        this(ctx, null);
    }

    private Wiring(Context ctx, Wiring server) {
        this.ctx = ctx;
        this.server = server;
    }

    /**
     * Adapters of their own for one request a server handles ({@code ctx}: its streams), closed when it
     * is answered, so each request's notifications are sent, locks given back and journal records kept
     * locally uploaded within it. Until then a Ctrl-C of the server sees its steps ({@link #changing()},
     * {@link #interrupted()}).
     */
    Wiring forRequest(Context ctx) {
        Wiring one = new Wiring(ctx, this);
        requests.add(one);
        return one;
    }

    /** True for one request of a server (`respond --serve`), which checked what it could when it started. */
    boolean answersRequest() {
        return server != null;
    }

    /** What the command said it did, in one line (null: it said nothing, for instance it failed). */
    void report(String line) {
        reported = line;
    }

    String reported() {
        return reported;
    }

    /**
     * True when this run's shared journal kept records of its own locally, still to be uploaded. Not
     * for records an earlier run left (this run tried to upload them, and a later one will), nor in a
     * dry run, which never uploads: answered 503 for them, a message would be delivered again forever.
     */
    boolean journalKeptLocally() {
        GcsJournal team = shared;
        return team != null && team.keptLocally();
    }

    Context context() {
        return ctx;
    }

    private synchronized GcpClients gcp() {
        if (gcp == null) {
            gcp = new GcpClients(ctx.env());
        }
        return gcp;
    }

    synchronized ServiceControl serviceControl() {
        if (control == null) {
            control = new CloudRunServiceControl(gcp(), waiting());
        }
        return control;
    }

    Metrics metrics() {
        return new MonitoringMetrics(gcp(), ctx.clock());
    }

    /** Metrics per revision and minute, for the incident record's charts. */
    dev.virtuoso.rollback.port.MetricHistory metricHistory() {
        return new MonitoringMetrics(gcp(), ctx.clock());
    }

    dev.virtuoso.rollback.port.ErrorLogs errorLogs() {
        return new dev.virtuoso.rollback.adapter.gcp.CloudLoggingErrorLogs(gcp());
    }

    /**
     * Incident records under {@code dir} when the user named it ({@code chosenBy} says how), else
     * incidents/ in the current directory; what they hold leaves without {@code secrets}.
     */
    dev.virtuoso.rollback.port.IncidentRecords incidents(java.nio.file.Path dir, String chosenBy,
                                                         dev.virtuoso.rollback.model.Secret.Registry secrets) {
        return new dev.virtuoso.rollback.adapter.files.IncidentFiles(incidentRoot(dir), dir != null ? chosenBy : null,
                secrets);
    }

    /** {@code dir} when the user named it, else incidents/ in the current directory. */
    static java.nio.file.Path incidentRoot(java.nio.file.Path dir) {
        return dir != null ? dir : java.nio.file.Path.of("incidents");
    }

    AlertPolicies alertPolicies() {
        return new MonitoringAlertPolicies(gcp());
    }

    /**
     * The system git, each call bounded; {@code trace} hears each git command as it starts. Files
     * not yet tracked under {@code incidentRoot} are not changes to the repository (SystemGit).
     */
    SourceControl git(java.util.function.Consumer<String> trace, java.nio.file.Path incidentRoot) {
        return new SystemGit(SystemGit.DEFAULT_TIMEOUT, trace, java.util.Map.of(), incidentRoot);
    }

    FirestoreAdmin firestoreAdmin() {
        return new FirestoreAdminApi(gcp());
    }

    FirestoreExports firestoreExports() {
        return new StorageExports(gcp());
    }

    SecretStore secrets() {
        return new SecretManagerStore(gcp());
    }

    BigQueryTables bigquery() {
        return new BigQueryTableStore(gcp(), waiting());
    }

    /** One per run: every verify of it (the drill's, watch's, each after a change) shares its connections. */
    synchronized Verifier verifier() {
        if (verifier == null) {
            verifier = new HttpVerifier(waiting(), ctx.secrets());
        }
        return verifier;
    }

    Wait waiting() {
        return new Wait(ctx.clock(), ctx.sleeper());
    }

    /**
     * The journal: the shared one in Cloud Storage when {@code where} names it, else the local file.
     * {@code dryRun}: records an earlier command kept locally are not uploaded by this one.
     */
    synchronized Journal journal(SharedJournal where, boolean dryRun) {
        if (where == null) {
            if (journal == null) {
                journal = new JsonlJournal(JsonlJournal.defaultFile(ctx.env()), ctx.clock(), this::warn);
            }
            return journal;
        }
        if (shared == null) {
            java.nio.file.Path home = JsonlJournal.defaultFile(ctx.env()).getParent();
            shared = new GcsJournal(gcp(), where.bucket(), where.prefix(),
                    GcsJournal.spoolFile(home, where.bucket(), where.prefix()), ctx.clock(), this::warn, !dryRun);
        }
        return shared;
    }

    /** The services' locks beside the shared journal {@code where}, waiting up to {@code waitFor} for one held. */
    synchronized ServiceLocks locks(SharedJournal where, String holder, java.time.Duration waitFor) {
        if (where == null) {
            return ServiceLocks.NONE;
        }
        if (locks == null) {
            // The renewal looks at the clock every second (no call unless due), so a laptop that slept
            // renews within a second of waking, before its lease of 15 minutes is out if it can be.
            locks = new GcsServiceLocks(gcp(), where.bucket(), where.prefix(), holder, waiting(), waitFor,
                    java.time.Duration.ofSeconds(1), this::warn);
        }
        return locks;
    }

    private void warn(String warning) {
        ctx.err().println("warning: " + warning);
    }

    /** How long the end of a run may wait, in all, for its incident records to be complete. */
    static final java.time.Duration INCIDENT_BUDGET = java.time.Duration.ofSeconds(5);
    private final dev.virtuoso.rollback.incident.IncidentRecorder.Deadline recordsDeadline =
            new dev.virtuoso.rollback.incident.IncidentRecorder.Deadline(INCIDENT_BUDGET);

    /** One deadline for every incident record of the run (a fleet's regions' too). */
    dev.virtuoso.rollback.incident.IncidentRecorder.Deadline recordsDeadline() {
        return recordsDeadline;
    }

    /**
     * Closed at the end of the run before the clients (notifiers that drain their queue), the last
     * added first: what was made later may still use what was made before it (an incident record
     * attaches its chart to the notifier's thread).
     */
    synchronized void closeAtEnd(AutoCloseable c) {
        closeFirst.add(0, c);
    }

    /** True while a journal step of this run is open: something is being changed. */
    boolean changing() {
        JsonlJournal local = journal;
        GcsJournal team = shared;
        return local != null && local.hasOpen() || team != null && team.hasOpen()
                || requests.stream().anyMatch(Wiring::changing);
    }

    /**
     * Marks unfinished journal steps as interrupted (a hard stop), gives back the locks this run
     * holds, and says what `undo` would do now. Nothing here waits on Cloud Storage, which may be
     * what the command was stuck on: the shared journal's records are kept locally for the next
     * command to upload, and the locks get {@link #RELEASE_AT_STOP} before they are left to expire.
     */
    String interrupted() {
        for (Wiring one : requests) {
            if (one.changing()) {
                return one.interrupted();
            }
        }
        JsonlJournal local = journal;
        GcsJournal team = shared;
        GcsServiceLocks held = locks;
        try {
            List<JournalRecord> stopped = new ArrayList<>();
            if (team != null && team.hasOpen()) {
                stopped.addAll(team.interruptOpen());
            }
            if (local != null && local.hasOpen()) {
                stopped.addAll(local.interruptOpen());
            }
            if (stopped.isEmpty()) {
                return "nothing was being changed";
            }
            String kept = team == null ? "" : " (kept in " + team.spool() + " until the next command uploads it)";
            return OpenSteps.newestAction(stopped).map(r -> "the change may be in effect; `rollback undo` puts back "
                    + "what was there before " + r.id() + " (" + r.command() + "); `rollback history` shows where it "
                    + "stopped" + kept).orElse("`rollback history` shows where it stopped" + kept);
        } finally {
            // After the journal says where the step stopped, so no one acts before it is written.
            if (held != null && !held.releaseAll(RELEASE_AT_STOP)) {
                warn("the lock could not be given back within " + RELEASE_AT_STOP.toSeconds() + "s; it expires "
                        + "on its own within " + dev.virtuoso.rollback.port.ServiceLocks.LEASE.toMinutes() + " minutes");
            }
        }
    }

    @Override
    public synchronized void close() {
        // What the run printed is on the screen before it waits for its incident records and notifications.
        ctx.out().flush();
        ctx.err().flush();
        for (AutoCloseable c : closeFirst) {
            try {
                c.close();
            } catch (Exception e) {
                // Best effort at exit: a notifier that cannot finish has already warned.
            }
        }
        closeFirst.clear();
        if (verifier != null) {
            verifier.close();
        }
        // A lock some path did not give back (a bug) is given back here rather than left for the team
        // to wait out; each lock is released once, so the usual ones are not touched again.
        if (locks != null) {
            locks.releaseAll(RELEASE_AT_STOP);
        }
        if (gcp != null) {
            gcp.close();
        }
        if (server != null) {
            server.requests.remove(this);
        }
    }
}

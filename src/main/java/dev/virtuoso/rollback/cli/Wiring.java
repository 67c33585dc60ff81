package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.gcp.CloudRunServiceControl;
import dev.virtuoso.rollback.gcp.GcpClients;
import dev.virtuoso.rollback.gcp.MonitoringAlertPolicies;
import dev.virtuoso.rollback.gcp.MonitoringMetrics;
import dev.virtuoso.rollback.gcp.SecretManagerStore;
import dev.virtuoso.rollback.journal.JsonlJournal;
import dev.virtuoso.rollback.runbook.AlertPolicies;
import dev.virtuoso.rollback.runbook.Metrics;
import dev.virtuoso.rollback.runbook.SecretStore;
import dev.virtuoso.rollback.runbook.ServiceControl;
import dev.virtuoso.rollback.runbook.Verifier;
import dev.virtuoso.rollback.verify.HttpVerifier;
import java.time.Duration;

/** The adapters of one run, created on first use and closed at the end. */
final class Wiring implements AutoCloseable {
    /** How long a traffic change may take before we stop waiting (the change itself goes on). */
    static final Duration APPLY_TIMEOUT = Duration.ofMinutes(10);

    private final Context ctx;
    private GcpClients gcp;
    private ServiceControl control;
    private JsonlJournal journal;

    Wiring(Context ctx) {
        this.ctx = ctx;
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
            control = new CloudRunServiceControl(gcp(), ctx.clock(), ctx.sleeper(), APPLY_TIMEOUT);
        }
        return control;
    }

    Metrics metrics() {
        return new MonitoringMetrics(gcp(), ctx.clock());
    }

    AlertPolicies alertPolicies() {
        return new MonitoringAlertPolicies(gcp());
    }

    SecretStore secrets() {
        return new SecretManagerStore(gcp());
    }

    Verifier verifier() {
        return new HttpVerifier(ctx.clock(), ctx.sleeper());
    }

    synchronized JsonlJournal journal() {
        if (journal == null) {
            journal = new JsonlJournal(JsonlJournal.defaultFile(ctx.env()), ctx.clock());
        }
        return journal;
    }

    /** Marks unfinished journal steps as interrupted (Ctrl-C). */
    synchronized void interrupted() {
        if (journal != null) {
            journal.interruptOpen();
        }
    }

    @Override
    public synchronized void close() {
        if (gcp != null) {
            gcp.close();
        }
    }
}

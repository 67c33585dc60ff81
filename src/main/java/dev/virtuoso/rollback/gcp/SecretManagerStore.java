package dev.virtuoso.rollback.gcp;

import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.SecretName;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.SecretVersionName;
import dev.virtuoso.rollback.runbook.RunbookException;
import dev.virtuoso.rollback.runbook.Secret;
import dev.virtuoso.rollback.runbook.SecretStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** {@link SecretStore} over Secret Manager v1. */
public final class SecretManagerStore implements SecretStore {
    private static final String API = "Secret Manager";
    private final GcpClients clients;

    public SecretManagerStore(GcpClients clients) {
        this.clients = clients;
    }

    @Override
    public Secret newestEnabled(String project, String secret) {
        String name = SecretName.of(project, secret).toString();
        try {
            List<SecretVersion> enabled = new ArrayList<>();
            for (SecretVersion v : clients.secrets().listSecretVersions(ListSecretVersionsRequest.newBuilder()
                    .setParent(name).setFilter("state:ENABLED").build()).iterateAll()) {
                if (v.getState() == SecretVersion.State.ENABLED) {
                    enabled.add(v);
                }
            }
            SecretVersion newest = enabled.stream()
                    .max(Comparator.comparing((SecretVersion v) -> v.getCreateTime().getSeconds())
                            .thenComparing(v -> v.getCreateTime().getNanos()))
                    .orElseThrow(() -> RunbookException.invalid("secret " + name + " has no ENABLED version"));
            // Read by explicit version number, never "latest" (GCP-NOTES, runbook bug 2).
            return new Secret(clients.secrets().accessSecretVersion(newest.getName()).getPayload().getData()
                    .toStringUtf8());
        } catch (RunbookException e) {
            throw e;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "secret " + name, e);
        }
    }

    @Override
    public VersionState state(String project, String secret, String version) {
        // Cloud Run names a secret by short name or by its resource name (of this or another project).
        String name = secret.startsWith("projects/") ? secret + "/versions/" + version
                : SecretVersionName.of(project, secret, version).toString();
        try {
            return switch (clients.secrets().getSecretVersion(name).getState()) {
                case ENABLED -> VersionState.ENABLED;
                case DISABLED -> VersionState.DISABLED;
                case DESTROYED -> VersionState.DESTROYED;
                default -> VersionState.MISSING;
            };
        } catch (com.google.api.gax.rpc.NotFoundException e) {
            return VersionState.MISSING;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "secret version " + name, e);
        }
    }
}

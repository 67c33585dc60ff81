package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.EnableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.SecretName;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.SecretVersionName;
import com.google.protobuf.ByteString;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.SecretStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

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
            // Read by explicit version number, never "latest": latest is the newest version whatever its
            // state, and reading a disabled one fails.
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
            return state(clients.secrets().getSecretVersion(name).getState());
        } catch (com.google.api.gax.rpc.NotFoundException e) {
            return VersionState.MISSING;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "secret version " + name, e);
        }
    }
    @Override
    public List<Version> versions(String project, String secret) {
        String name = SecretName.of(project, secret).toString();
        try {
            List<Version> all = new ArrayList<>();
            for (SecretVersion v : clients.secrets().listSecretVersions(name).iterateAll()) {
                all.add(new Version(number(v.getName()), state(v.getState()), Instant.ofEpochSecond(
                        v.getCreateTime().getSeconds(), v.getCreateTime().getNanos())));
            }
            // The API lists newest first; version numbers grow with creation, which "latest" follows.
            all.sort(Comparator.comparingLong((Version v) -> Long.parseLong(v.number())));
            return all;
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "secret " + name, e);
        }
    }

    @Override
    public boolean samePayload(String project, String secret, String a, String b) {
        return payload(project, secret, a).equals(payload(project, secret, b));
    }

    @Override
    public String addCopyOf(String project, String secret, String from) {
        ByteString data = payload(project, secret, from);
        CRC32C crc = new CRC32C();
        crc.update(data.asReadOnlyByteBuffer());
        String name = SecretName.of(project, secret).toString();
        try {
            // The checksum makes the server refuse a payload damaged on the way (DATA_LOSS).
            SecretVersion added = clients.secrets().addSecretVersion(AddSecretVersionRequest.newBuilder().setParent(name)
                    .setPayload(SecretPayload.newBuilder().setData(data).setDataCrc32C(crc.getValue())).build());
            return number(added.getName());
        } catch (RuntimeException e) {
            // The payload is in the request, never in the message: only the status and the resource are kept.
            throw GcpErrors.translate(API, "secret " + name + " (adding a copy of version " + from + ")", e);
        }
    }

    @Override
    public void enable(String project, String secret, String version) {
        setState(project, secret, version, name -> clients.secrets().enableSecretVersion(
                EnableSecretVersionRequest.newBuilder().setName(name).build()));
    }

    @Override
    public void disable(String project, String secret, String version) {
        setState(project, secret, version, name -> clients.secrets().disableSecretVersion(
                DisableSecretVersionRequest.newBuilder().setName(name).build()));
    }

    private void setState(String project, String secret, String version, java.util.function.Consumer<String> call) {
        String name = SecretVersionName.of(project, secret, version).toString();
        try {
            call.accept(name);
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "secret version " + name, e);
        }
    }

    private ByteString payload(String project, String secret, String version) {
        String name = SecretVersionName.of(project, secret, version).toString();
        try {
            return clients.secrets().accessSecretVersion(name).getPayload().getData();
        } catch (RuntimeException e) {
            throw GcpErrors.translate(API, "secret version " + name, e);
        }
    }

    private static String number(String versionName) {
        return versionName.substring(versionName.lastIndexOf('/') + 1);
    }

    private static VersionState state(SecretVersion.State s) {
        return switch (s) {
            case ENABLED -> VersionState.ENABLED;
            case DISABLED -> VersionState.DISABLED;
            case DESTROYED -> VersionState.DESTROYED;
            default -> VersionState.MISSING;
        };
    }
}

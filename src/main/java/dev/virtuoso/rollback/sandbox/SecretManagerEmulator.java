package dev.virtuoso.rollback.sandbox;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.DestroySecretVersionRequest;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.EnableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.GetSecretRequest;
import com.google.cloud.secretmanager.v1.GetSecretVersionRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsResponse;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceGrpc;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * Secret Manager v1 for the sandbox. Keeps the API's sharp edge: {@code latest}
 * is the most recently created version whatever its state, and reading a disabled one fails
 * with FAILED_PRECONDITION.
 */
final class SecretManagerEmulator {
    private final Clock clock;
    private final Map<String, Secret> secrets = new LinkedHashMap<>();
    private final Map<String, SecretVersion> versions = new LinkedHashMap<>();
    private final Map<String, ByteString> payloads = new LinkedHashMap<>();
    private final AtomicInteger mutatingCalls = new AtomicInteger();

    SecretManagerEmulator(Clock clock) {
        this.clock = clock;
    }

    int mutatingCalls() {
        return mutatingCalls.get();
    }

    synchronized List<SecretVersion> versions(String secret) {
        return versions.values().stream().filter(v -> v.getName().startsWith(secret + "/versions/")).toList();
    }

    synchronized void createSecret(String name) {
        secrets.put(name, Secret.newBuilder().setName(name).setCreateTime(now()).build());
    }

    synchronized SecretVersion add(String secret, String data, SecretVersion.State state, Instant created) {
        if (!secrets.containsKey(secret)) {
            throw Status.NOT_FOUND.withDescription("Secret [" + secret + "] not found.").asRuntimeException();
        }
        String name = secret + "/versions/" + (versions(secret).size() + 1);
        SecretVersion v = SecretVersion.newBuilder().setName(name).setState(state).setCreateTime(Grpc.timestamp(created))
                .setEtag("\"" + Long.toHexString(created.toEpochMilli()) + "\"").build();
        versions.put(name, v);
        payloads.put(name, ByteString.copyFromUtf8(data));
        return v;
    }

    /** Version numbers grow with creation: "latest" is the highest, even when two share a second. */
    private static long number(SecretVersion v) {
        return Long.parseLong(v.getName().substring(v.getName().lastIndexOf('/') + 1));
    }

    SecretManagerServiceGrpc.SecretManagerServiceImplBase api() {
        return new Api();
    }

    private synchronized SecretVersion version(String name) {
        String resolved = name;
        if (name.endsWith("/versions/latest")) {
            String secret = name.substring(0, name.length() - "/versions/latest".length());
            resolved = versions(secret).stream().max(Comparator.comparingLong(SecretManagerEmulator::number))
                    .map(SecretVersion::getName)
                    .orElseThrow(() -> Status.NOT_FOUND.withDescription("Secret Version [" + name + "] not found.")
                            .asRuntimeException());
        }
        SecretVersion v = versions.get(resolved);
        if (v == null) {
            throw Status.NOT_FOUND.withDescription("Secret Version [" + name + "] not found.").asRuntimeException();
        }
        return v;
    }

    /** A version's payload, for the tests; null once destroyed. */
    synchronized String payload(String version) {
        ByteString data = payloads.get(version);
        return data == null ? null : data.toStringUtf8();
    }

    /** Someone else (a test) disables or destroys a version: not one of the tool's calls. */
    synchronized void changeState(String name, SecretVersion.State state) {
        versions.put(name, versions.get(name).toBuilder().setState(state).build());
    }

    private synchronized SecretVersion setState(String name, String etag, SecretVersion.State state) {
        mutatingCalls.incrementAndGet();
        SecretVersion v = version(name);
        if (!etag.isEmpty() && !etag.equals(v.getEtag())) {
            throw Status.ABORTED.withDescription("etag mismatch for " + name).asRuntimeException();
        }
        if (v.getState() == SecretVersion.State.DESTROYED) {
            throw Status.FAILED_PRECONDITION.withDescription(name + " is destroyed.").asRuntimeException();
        }
        SecretVersion changed = v.toBuilder().setState(state)
                .setEtag("\"" + Long.toHexString(System.nanoTime()) + "\"").build();
        versions.put(v.getName(), changed);
        if (state == SecretVersion.State.DESTROYED) {
            payloads.remove(v.getName());
        }
        return changed;
    }

    private Timestamp now() {
        return Grpc.timestamp(clock.instant());
    }

    private final class Api extends SecretManagerServiceGrpc.SecretManagerServiceImplBase {
        @Override
        public void getSecret(GetSecretRequest req, StreamObserver<Secret> obs) {
            Grpc.answer(obs, () -> {
                synchronized (SecretManagerEmulator.this) {
                    Secret s = secrets.get(req.getName());
                    if (s == null) {
                        throw Status.NOT_FOUND.withDescription("Secret [" + req.getName() + "] not found.")
                                .asRuntimeException();
                    }
                    return s;
                }
            });
        }

        @Override
        public void listSecretVersions(ListSecretVersionsRequest req, StreamObserver<ListSecretVersionsResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (SecretManagerEmulator.this) {
                    if (!secrets.containsKey(req.getParent())) {
                        throw Status.NOT_FOUND.withDescription("Secret [" + req.getParent() + "] not found.")
                                .asRuntimeException();
                    }
                    // The API lists newest first.
                    List<SecretVersion> list = versions(req.getParent()).stream()
                            .sorted(Comparator.comparingLong(SecretManagerEmulator::number).reversed())
                            .toList();
                    return ListSecretVersionsResponse.newBuilder().addAllVersions(list).setTotalSize(list.size()).build();
                }
            });
        }

        @Override
        public void getSecretVersion(GetSecretVersionRequest req, StreamObserver<SecretVersion> obs) {
            Grpc.answer(obs, () -> version(req.getName()));
        }

        @Override
        public void accessSecretVersion(AccessSecretVersionRequest req, StreamObserver<AccessSecretVersionResponse> obs) {
            Grpc.answer(obs, () -> {
                synchronized (SecretManagerEmulator.this) {
                    SecretVersion v = version(req.getName());
                    if (v.getState() != SecretVersion.State.ENABLED) {
                        throw Status.FAILED_PRECONDITION.withDescription("Secret Version [" + v.getName()
                                + "] is in " + v.getState() + " state.").asRuntimeException();
                    }
                    ByteString data = payloads.get(v.getName());
                    CRC32C crc = new CRC32C();
                    crc.update(data.toByteArray());
                    return AccessSecretVersionResponse.newBuilder().setName(v.getName()).setPayload(SecretPayload
                            .newBuilder().setData(data).setDataCrc32C(crc.getValue())).build();
                }
            });
        }

        @Override
        public void addSecretVersion(AddSecretVersionRequest req, StreamObserver<SecretVersion> obs) {
            Grpc.answer(obs, () -> {
                mutatingCalls.incrementAndGet();
                return add(req.getParent(), req.getPayload().getData().toStringUtf8(), SecretVersion.State.ENABLED,
                        clock.instant());
            });
        }

        @Override
        public void enableSecretVersion(EnableSecretVersionRequest req, StreamObserver<SecretVersion> obs) {
            Grpc.answer(obs, () -> setState(req.getName(), req.getEtag(), SecretVersion.State.ENABLED));
        }

        @Override
        public void disableSecretVersion(DisableSecretVersionRequest req, StreamObserver<SecretVersion> obs) {
            Grpc.answer(obs, () -> setState(req.getName(), req.getEtag(), SecretVersion.State.DISABLED));
        }

        @Override
        public void destroySecretVersion(DestroySecretVersionRequest req, StreamObserver<SecretVersion> obs) {
            Grpc.answer(obs, () -> setState(req.getName(), req.getEtag(), SecretVersion.State.DESTROYED));
        }
    }
}

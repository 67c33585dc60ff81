package dev.virtuoso.rollback.adapter.gcp;

import com.google.cloud.run.v2.Container;
import com.google.cloud.run.v2.EnvVar;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.cloud.run.v2.VersionToPath;
import com.google.cloud.run.v2.Volume;
import com.google.cloud.run.v2.VolumeMount;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.virtuoso.rollback.model.Revision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a revision (or the service's template) runs, apart from its image: a fingerprint to tell
 * whether a revision can stand for a redeploy of an image, and the secrets it reads.
 */
final class RevisionConfig {
    private RevisionConfig() {
    }

    /**
     * The fingerprint of an existing revision's configuration, image left out: what makes a
     * revision run as it does, the fields a revision has by the same name as the template it is
     * made from. Revision and RevisionTemplate are unrelated generated types, so the fields are
     * copied by their typed accessors; copying by descriptor (setField/getField) built both
     * types' reflective accessor tables, ~6% of a whole `status` run.
     */
    static String of(com.google.cloud.run.v2.Revision r) {
        return fingerprint(RevisionTemplate.newBuilder().setServiceAccount(r.getServiceAccount())
                .setScaling(r.getScaling()).setVpcAccess(r.getVpcAccess()).setTimeout(r.getTimeout())
                .setMaxInstanceRequestConcurrency(r.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(r.getExecutionEnvironment()).setEncryptionKey(r.getEncryptionKey())
                .addAllContainers(r.getContainersList()).addAllVolumes(r.getVolumesList()));
    }

    /** The fingerprint of what the service's template would make, image left out (the same fields). */
    static String of(RevisionTemplate t) {
        return fingerprint(RevisionTemplate.newBuilder().setServiceAccount(t.getServiceAccount())
                .setScaling(t.getScaling()).setVpcAccess(t.getVpcAccess()).setTimeout(t.getTimeout())
                .setMaxInstanceRequestConcurrency(t.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(t.getExecutionEnvironment()).setEncryptionKey(t.getEncryptionKey())
                .addAllContainers(t.getContainersList()).addAllVolumes(t.getVolumesList()));
    }

    // Serialising any message with a map field, even an empty one (a template's labels), builds its
    // proto file's descriptors through the map's default-entry holder: ~50 ms on a cold JVM, hence
    // Fingerprint computes this only when compared.
    private static String fingerprint(RevisionTemplate.Builder kept) {
        for (int i = 0; i < kept.getContainersCount(); i++) {
            kept.setContainers(i, kept.getContainers(i).toBuilder().clearImage());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(deterministic(kept.build()));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * toByteArray() writes map fields (a container's resources.limits) in the order their entries
     * were put, which is the order they came over the wire: equal messages, different bytes.
     * Deterministic serialization writes map entries sorted by key.
     */
    private static byte[] deterministic(Message m) {
        byte[] out = new byte[m.getSerializedSize()];
        CodedOutputStream stream = CodedOutputStream.newInstance(out);
        stream.useDeterministicSerialization();
        try {
            m.writeTo(stream);
            stream.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("serializing to an array", e);
        }
        return out;
    }

    /** Secrets read as environment variables (at instance start) or volumes (on each read). */
    static List<Revision.SecretUse> secrets(List<Container> containers, List<Volume> volumes) {
        List<Revision.SecretUse> uses = new ArrayList<>();
        for (Container c : containers) {
            for (EnvVar e : c.getEnvList()) {
                if (e.hasValueSource() && e.getValueSource().hasSecretKeyRef()) {
                    var ref = e.getValueSource().getSecretKeyRef();
                    uses.add(new Revision.SecretUse(ref.getSecret(), ref.getVersion().isEmpty() ? "latest"
                            : ref.getVersion(), "env " + e.getName()));
                }
            }
        }
        for (Volume v : volumes) {
            if (!v.hasSecret()) {
                continue;
            }
            String path = containers.stream().flatMap(c -> c.getVolumeMountsList().stream())
                    .filter(m -> m.getName().equals(v.getName())).map(VolumeMount::getMountPath).findFirst()
                    .orElse(v.getName());
            List<VersionToPath> items = v.getSecret().getItemsList();
            if (items.isEmpty()) {
                uses.add(new Revision.SecretUse(v.getSecret().getSecret(), "latest", "volume " + path));
            }
            for (VersionToPath item : items) {
                uses.add(new Revision.SecretUse(v.getSecret().getSecret(), item.getVersion().isEmpty() ? "latest"
                        : item.getVersion(), "volume " + path + "/" + item.getPath()));
            }
        }
        return uses;
    }
}

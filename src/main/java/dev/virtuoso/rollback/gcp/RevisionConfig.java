package dev.virtuoso.rollback.gcp;

import com.google.cloud.run.v2.Container;
import com.google.cloud.run.v2.EnvVar;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.cloud.run.v2.Volume;
import com.google.cloud.run.v2.VolumeMount;
import com.google.cloud.run.v2.VersionToPath;
import dev.virtuoso.rollback.runbook.Revision;
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

    /** The fingerprint of an existing revision's configuration, image left out. */
    static String of(com.google.cloud.run.v2.Revision r) {
        return fingerprint(r.getContainersList(), r.getVolumesList(), RevisionTemplate.newBuilder()
                .setServiceAccount(r.getServiceAccount()).setScaling(r.getScaling()).setVpcAccess(r.getVpcAccess())
                .setTimeout(r.getTimeout()).setMaxInstanceRequestConcurrency(r.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(r.getExecutionEnvironment()).setEncryptionKey(r.getEncryptionKey()));
    }

    /** The fingerprint of what the service's template would make, image left out. */
    static String of(RevisionTemplate t) {
        return fingerprint(t.getContainersList(), t.getVolumesList(), RevisionTemplate.newBuilder()
                .setServiceAccount(t.getServiceAccount()).setScaling(t.getScaling()).setVpcAccess(t.getVpcAccess())
                .setTimeout(t.getTimeout()).setMaxInstanceRequestConcurrency(t.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(t.getExecutionEnvironment()).setEncryptionKey(t.getEncryptionKey()));
    }

    /** The same fields of both, so a revision made from a template has the template's fingerprint. */
    private static String fingerprint(List<Container> containers, List<Volume> volumes, RevisionTemplate.Builder rest) {
        for (Container c : containers) {
            rest.addContainers(c.toBuilder().clearImage());
        }
        rest.addAllVolumes(volumes);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(rest.build().toByteArray());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

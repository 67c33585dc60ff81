package dev.virtuoso.rollback.adapter.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.run.v2.Container;
import com.google.cloud.run.v2.EnvVar;
import com.google.cloud.run.v2.ExecutionEnvironment;
import com.google.cloud.run.v2.ResourceRequirements;
import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.RevisionScaling;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.protobuf.Duration;
import org.junit.jupiter.api.Test;

class RevisionConfigTest {
    private static Container container(String image, ResourceRequirements resources) {
        return Container.newBuilder().setImage(image).setResources(resources)
                .addEnv(EnvVar.newBuilder().setName("MODE").setValue("prod")).build();
    }

    private static RevisionTemplate template(Container c) {
        return RevisionTemplate.newBuilder().setRevision("virtuoso-api-00007-xyz").setServiceAccount("run@p.iam")
                .setScaling(RevisionScaling.newBuilder().setMaxInstanceCount(4))
                .setTimeout(Duration.newBuilder().setSeconds(300)).setMaxInstanceRequestConcurrency(80)
                .setExecutionEnvironment(ExecutionEnvironment.EXECUTION_ENVIRONMENT_GEN2).addContainers(c).build();
    }

    @Test
    void mapEntriesPutInAnotherOrderAreTheSameConfiguration() {
        ResourceRequirements cpuFirst = ResourceRequirements.newBuilder().putLimits("cpu", "1")
                .putLimits("memory", "512Mi").putLimits("nvidia.com/gpu", "1").build();
        ResourceRequirements memoryFirst = ResourceRequirements.newBuilder().putLimits("nvidia.com/gpu", "1")
                .putLimits("memory", "512Mi").putLimits("cpu", "1").build();
        assertThat(cpuFirst).isEqualTo(memoryFirst);
        assertThat(RevisionConfig.of(template(container("a:1", cpuFirst))))
                .isEqualTo(RevisionConfig.of(template(container("a:1", memoryFirst))));
    }

    @Test
    void aRevisionHasTheFingerprintOfTheTemplateItIsMadeFromWhateverItsImage() {
        ResourceRequirements limits = ResourceRequirements.newBuilder().putLimits("cpu", "1").build();
        RevisionTemplate t = template(container("a:1", limits));
        Revision r = Revision.newBuilder().setName("projects/p/locations/l/services/s/revisions/virtuoso-api-00007-xyz")
                .setServiceAccount(t.getServiceAccount()).setScaling(t.getScaling()).setTimeout(t.getTimeout())
                .setMaxInstanceRequestConcurrency(t.getMaxInstanceRequestConcurrency())
                .setExecutionEnvironment(t.getExecutionEnvironment()).addContainers(container("a:2", limits))
                .putLabels("client", "rollback").build();
        assertThat(RevisionConfig.of(r)).isEqualTo(RevisionConfig.of(t));
        assertThat(RevisionConfig.of(r.toBuilder().setMaxInstanceRequestConcurrency(1).build()))
                .isNotEqualTo(RevisionConfig.of(t));
        assertThat(RevisionConfig.of(template(container("a:1", limits.toBuilder().putLimits("cpu", "2").build()))))
                .isNotEqualTo(RevisionConfig.of(t));
    }
}

package dev.virtuoso.rollback.change;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.gitrevert.GitChange;
import dev.virtuoso.rollback.image.ImageChange;
import dev.virtuoso.rollback.traffic.TrafficChange;
import org.junit.jupiter.api.Test;

class ServiceStepsTest {
    /** The core names the service kinds as text, since it knows no capability: a renamed kind must be renamed here. */
    @Test
    void theServiceKindsAreTheTrafficImageAndGitChangesOwnNames() {
        assertThat(ServiceSteps.KINDS).containsExactlyInAnyOrder(TrafficChange.KIND, ImageChange.KIND, GitChange.KIND);
    }
}

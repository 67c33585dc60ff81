package dev.virtuoso.rollback.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DryRunGuardTest {
    /** Verbs of methods that change something outside the process (Progress only updates the console). */
    private static final Pattern CHANGES = Pattern.compile(
            "(update|create|append|delete|add|remove|disable|enable|destroy|import|export|open|post|deploy|revert|"
                    + "push|copy|restore|put|set|write|lock|release).*");

    @Test
    void everyPortMethodThatChangesSomethingIsMarkedMutating() {
        List<String> unmarked = new ArrayList<>();
        List<String> marked = new ArrayList<>();
        for (JavaClass c : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.virtuoso.rollback.runbook")) {
            if (!c.isInterface() || c.isAnnotation()) {
                continue;
            }
            for (Method m : c.reflect().getDeclaredMethods()) {
                if (m.isAnnotationPresent(Mutating.class)) {
                    marked.add(c.getSimpleName() + "." + m.getName());
                } else if (CHANGES.matcher(m.getName()).matches() && !c.isEquivalentTo(Progress.class)) {
                    unmarked.add(c.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertThat(unmarked).as("port methods that change something but are not @Mutating").isEmpty();
        assertThat(marked).contains("ServiceControl.updateTraffic", "Journal.append", "Notifier.open",
                "AlertPolicies.create", "AlertPolicies.update", "AlertPolicies.delete");
    }

    @Test
    void aGuardedPortReadsButRefusesEveryMutatingCall() {
        ChangePipelineTest.FakeControl control = new ChangePipelineTest.FakeControl(Fixtures.seed());
        ServiceControl guarded = DryRun.guard(ServiceControl.class, control);
        assertThat(guarded.service(Fixtures.REF)).isEqualTo(Fixtures.seed());
        assertThatThrownBy(() -> guarded.updateTraffic(Fixtures.seed(), Fixtures.SEED_TRAFFIC, Duration.ofSeconds(1),
                Progress.NONE))
                .hasMessage("bug: ServiceControl.updateTraffic was called in a dry run; it was refused, nothing was "
                        + "changed")
                .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERNAL));
        assertThat(control.updates).isZero();
        // An adapter's own errors come through unwrapped.
        assertThatThrownBy(() -> DryRun.guard(ServiceControl.class, control).revisions(null))
                .isInstanceOf(RunbookException.class).hasMessage("no revisions");
    }
}

package dev.virtuoso.rollback.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import dev.virtuoso.rollback.arch.Ports;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.Fixtures;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Mutating;
import dev.virtuoso.rollback.port.Progress;
import dev.virtuoso.rollback.port.ReadOnly;
import dev.virtuoso.rollback.port.ServiceControl;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class DryRunGuardTest {
    private static final List<Class<?>> PORTS = Ports.of(Ports.PRODUCT).stream().<Class<?>>map(JavaClass::reflect)
            .toList();

    /** The methods a caller reaches through a port, default ones included (not static or private ones). */
    static List<Method> methods(Class<?> port) {
        return Arrays.stream(port.getMethods()).filter(m -> !Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparing(Method::getName).thenComparing(Method::toGenericString)).toList();
    }

    /** Each method of {@code port} that is not marked exactly one of @Mutating and @ReadOnly, and why. */
    static List<String> unmarked(Class<?> port) {
        List<String> problems = new ArrayList<>();
        for (Method m : methods(port)) {
            boolean mutating = m.isAnnotationPresent(Mutating.class);
            boolean readOnly = m.isAnnotationPresent(ReadOnly.class);
            if (mutating == readOnly) {
                problems.add(port.getSimpleName() + "." + m.getName() + (mutating ? ": both @Mutating and @ReadOnly"
                        : ": neither @Mutating nor @ReadOnly"));
            }
        }
        return problems;
    }

    @Test
    void thePortsAreFoundInTheCodeTheInterfacesAdaptersImplementAndWhatTheyHandOut() {
        assertThat(PORTS).extracting(Class::getSimpleName).contains("ServiceControl", "Metrics", "SecretStore",
                "AlertPolicies", "SourceControl", "FirestoreAdmin", "FirestoreExports", "BigQueryTables", "Verifier",
                "Journal", "Notifier", "Incident")
                // The console and waiting are not ports: under --dry-run they still show and wait.
                .doesNotContain("Interaction", "Progress", "Sleeper");
    }

    @Test
    void everyPortMethodIsMarkedEitherMutatingOrReadOnly() {
        assertThat(PORTS.stream().flatMap(p -> unmarked(p).stream()).toList())
                .as("port methods marked neither or both ways").isEmpty();
    }

    interface Unmarked {
        @ReadOnly
        String read();

        void change();

        @Mutating
        @ReadOnly
        void both();

        default String readTwice() {
            return read() + read();
        }

        static Unmarked none() {
            return null;
        }
    }

    @Test
    void aPortMethodMarkedNeitherWayOrBothWaysIsFoundDefaultMethodsIncluded() {
        assertThat(unmarked(Unmarked.class)).containsExactly("Unmarked.both: both @Mutating and @ReadOnly",
                "Unmarked.change: neither @Mutating nor @ReadOnly", "Unmarked.readTwice: neither @Mutating nor @ReadOnly");
    }

    @Test
    void underTheGuardEveryMutatingMethodIsRefusedAndEveryReadOnlyOneReachesTheAdapter() throws Throwable {
        int mutating = 0;
        for (Class<?> port : PORTS) {
            for (Method m : methods(port)) {
                List<String> reached = new ArrayList<>();
                Object guarded = guard(port, recorder(port, reached));
                Object[] args = Arrays.stream(m.getParameterTypes()).map(DryRunGuardTest::zero).toArray();
                String name = port.getSimpleName() + "." + m.getName();
                if (m.isAnnotationPresent(Mutating.class)) {
                    mutating++;
                    assertThatThrownBy(() -> invoke(m, guarded, args)).as(name)
                            .isInstanceOf(RunbookException.class)
                            .hasMessage("bug: " + name + " was called in a dry run; it was refused, nothing was changed")
                            .satisfies(e -> assertThat(((RunbookException) e).exitCode()).isEqualTo(ExitCode.INTERNAL));
                    assertThat(reached).as(name + " reached the adapter").isEmpty();
                } else {
                    invoke(m, guarded, args);
                    assertThat(reached).as(name + " reached the adapter").containsExactly(m.getName());
                }
            }
        }
        assertThat(mutating).as("mutating port methods").isPositive();
    }

    @Test
    void aGuardedPortReadsTheAdaptersAnswersAndErrorsUnwrapped() {
        ChangePipelineTest.FakeControl control = new ChangePipelineTest.FakeControl(Fixtures.seed());
        ServiceControl guarded = DryRun.guard(ServiceControl.class, control);
        assertThat(guarded.service(Fixtures.REF)).isEqualTo(Fixtures.seed());
        assertThatThrownBy(() -> guarded.updateTraffic(Fixtures.seed(), Fixtures.SEED_TRAFFIC, Duration.ofSeconds(1),
                Progress.NONE)).isInstanceOf(RunbookException.class);
        assertThat(control.updates).isZero();
        // An adapter's own errors come through unwrapped.
        assertThatThrownBy(() -> guarded.revisions(null)).isInstanceOf(RunbookException.class).hasMessage("no revisions");
    }

    @SuppressWarnings("unchecked")
    private static <T> T guard(Class<T> port, Object target) {
        return DryRun.guard(port, (T) target);
    }

    /** An adapter of {@code port} that notes each method called on it and answers zero, false or null. */
    private static Object recorder(Class<?> port, List<String> reached) {
        return Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port}, (proxy, method, args) -> {
            reached.add(method.getName());
            return zero(method.getReturnType());
        });
    }

    private static Object zero(Class<?> type) {
        return type.isPrimitive() && type != void.class ? Array.get(Array.newInstance(type, 1), 0) : null;
    }

    private static void invoke(Method m, Object target, Object[] args) throws Throwable {
        try {
            m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

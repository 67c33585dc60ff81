package dev.virtuoso.rollback.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The layout: the core (model, port, change, config, json) knows no capability and no technology; each
 * capability (traffic, image, gitrevert, alertpolicy, verification, each restore) uses another only
 * through its use cases; orchestrators (drill, watch, undo, respond) sit above them; adapters implement the
 * ports by technology; the cli wires it all; the sandbox is beside the product, never under it.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = Ports.PRODUCT;
    private static final String[] CORE = {"..rollback.model..", "..rollback.port..", "..rollback.change..",
        "..rollback.config..", "..rollback.json.."};
    private static final String[] CAPABILITIES = {"..rollback.traffic..", "..rollback.image..", "..rollback.gitrevert..",
        "..rollback.alertpolicy..", "..rollback.verification..", "..rollback.restore.firestore..",
        "..rollback.restore.bigquery..", "..rollback.restore.secrets.."};
    private static final String[] ORCHESTRATORS = {"..rollback.drill..", "..rollback.watch..", "..rollback.undo..",
        "..rollback.respond..", "..rollback.incident.."};
    private static final String[] TECHNOLOGY = {"com.google..", "io.grpc..", "okhttp3..", "picocli..", "org.eclipse.."};
    private static final int MOST_CLASSES_IN_A_PACKAGE = 25;

    @Test
    void theCoreKnowsNoCapabilityNoAdapterAndNoTechnology() {
        noClasses().that().resideInAnyPackage(CORE).should().dependOnClassesThat()
                .resideInAnyPackage(concat(CAPABILITIES, ORCHESTRATORS, TECHNOLOGY,
                        new String[] {"..rollback.cli..", "..rollback.adapter..", "..rollback.sandbox.."}))
                .check(CLASSES);
    }

    @Test
    void capabilitiesUseNoOrchestratorNoAdapterAndNoTechnology() {
        noClasses().that().resideInAnyPackage(CAPABILITIES).should().dependOnClassesThat()
                .resideInAnyPackage(concat(ORCHESTRATORS, TECHNOLOGY,
                        new String[] {"..rollback.cli..", "..rollback.adapter..", "..rollback.sandbox.."}))
                .check(CLASSES);
        noClasses().that().resideInAnyPackage(ORCHESTRATORS).should().dependOnClassesThat()
                .resideInAnyPackage(concat(TECHNOLOGY,
                        new String[] {"..rollback.cli..", "..rollback.adapter..", "..rollback.sandbox.."}))
                .check(CLASSES);
    }

    /**
     * A capability reaches another only through its use cases: the classes a command would call (a
     * *Rollback, *Restore, TagRevision, Verification, Assessment) and the kinds of change it makes
     * (*Change), with what they nest, except the state a kind journals: how a step is written down is
     * its kind's own (what all service steps share is read in the core, by ServiceSteps). A secrets
     * restore that redeploys journals its deploy as an image step does, so it may name that state.
     * Orchestrators journal their steps as the kinds they run (a drill's record is a traffic or image
     * step, so that undo can reverse it): they may also name a kind's state.
     */
    @Test
    void capabilitiesReachEachOtherOnlyThroughUseCases() {
        for (String capability : CAPABILITIES) {
            noClasses().that().resideInAnyPackage(CAPABILITIES).and().resideOutsideOfPackage(capability)
                    .and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("..rollback.restore.secrets..")))
                    .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage(capability)
                            .and(DescribedPredicate.not(USE_CASE)))
                    .check(CLASSES);
            noClasses().that().resideInAnyPackage(concat(ORCHESTRATORS, new String[] {"..rollback.restore.secrets.."}))
                    .and().resideOutsideOfPackage(capability)
                    .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage(capability)
                            .and(DescribedPredicate.not(USE_CASE.or(A_KINDS_STATE))))
                    .check(CLASSES);
        }
    }

    private static final DescribedPredicate<JavaClass> A_KINDS_STATE = DescribedPredicate.describe(
            "the state a kind of change journals (a *State nested in a *Change)",
            c -> !c.equals(topLevel(c)) && c.getSimpleName().endsWith("State")
                    && topLevel(c).getSimpleName().endsWith("Change"));

    private static final DescribedPredicate<JavaClass> USE_CASE = DescribedPredicate.describe(
            "a use case (*Rollback, *Restore, *Change, TagRevision, Verification, Assessment)", c -> {
                String name = topLevel(c).getSimpleName();
                return !A_KINDS_STATE.test(c) && (name.endsWith("Rollback") || name.endsWith("Restore")
                        || name.endsWith("Change") || Set.of("TagRevision", "Verification", "Assessment").contains(name));
            });

    @Test
    void noPackagesAboveTheCoreDependOnEachOtherInACircle() {
        // The core's packages are one layer, used together: only the layers above it must not go round.
        slices().matching("dev.virtuoso.rollback.(*)..").should().beFreeOfCycles()
                .ignoreDependency(JavaClass.Predicates.resideInAnyPackage(CORE),
                        JavaClass.Predicates.resideInAnyPackage(CORE))
                .check(CLASSES);
    }

    @Test
    void adaptersUseNoCliNoSandboxAndNoOtherAdapter() {
        noClasses().that().resideInAPackage("..rollback.adapter..").should().dependOnClassesThat()
                .resideInAnyPackage("..rollback.cli..", "..rollback.sandbox..").check(CLASSES);
        for (String adapter : new String[] {"gcp", "git", "http", "journal", "slack", "files"}) {
            noClasses().that().resideInAPackage("..rollback.adapter." + adapter + "..").should().dependOnClassesThat(
                    JavaClass.Predicates.resideInAPackage("..rollback.adapter..").and(
                            JavaClass.Predicates.resideOutsideOfPackage("..rollback.adapter." + adapter + "..")))
                    .check(CLASSES);
        }
    }

    @Test
    void theProductNeverDependsOnTheSandbox() {
        noClasses().that().resideOutsideOfPackage("..rollback.sandbox..").should().dependOnClassesThat()
                .resideInAPackage("..rollback.sandbox..").check(CLASSES);
    }

    /** The emulators answer what the Google clients send, written against the generated API, not against the tool. */
    @Test
    void theEmulatorsUseOnlyTheGeneratedApiAndTheOneMapper() {
        DescribedPredicate<JavaClass> entryPoint = DescribedPredicate.describe("the sandbox's command or provider",
                c -> Set.of("SandboxCommand", "SandboxProvider").contains(topLevel(c).getSimpleName()));
        noClasses().that().resideInAPackage("..rollback.sandbox..").and(DescribedPredicate.not(entryPoint))
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("dev.virtuoso.rollback..").and(
                        JavaClass.Predicates.resideOutsideOfPackages("..rollback.sandbox..", "..rollback.json..")))
                .check(CLASSES);
    }

    @Test
    void noPackageHoldsMoreThanTwentyFiveClasses() {
        Map<String, Long> sizes = CLASSES.stream().filter(c -> c.getEnclosingClass().isEmpty() && !c.isAnonymousClass())
                .collect(Collectors.groupingBy(JavaClass::getPackageName, TreeMap::new, Collectors.counting()));
        assertThat(sizes).isNotEmpty().allSatisfy((pkg, n) -> assertThat(n).as(pkg).isLessThanOrEqualTo(
                (long) MOST_CLASSES_IN_A_PACKAGE));
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass top = c;
        while (top.getEnclosingClass().isPresent()) {
            top = top.getEnclosingClass().get();
        }
        return top;
    }

    private static String[] concat(String[]... parts) {
        return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
    }

    @Test
    void commandsUseNoGoogleClassesNoSystemStreamsAndNoExit() {
        noClasses().that().resideInAPackage("..cli..")
                .should().dependOnClassesThat().resideInAnyPackage("com.google..", "io.grpc..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("..cli..").and().doNotHaveSimpleName("Main").and()
                .doNotHaveSimpleName("Context")
                .should().accessField(System.class, "out").orShould().accessField(System.class, "err")
                .orShould().callMethod(System.class, "exit", int.class)
                .check(CLASSES);
    }

    @Test
    void portsAreHandedOutOnlyBySessionSoTheDryRunIsDecidedOnce() {
        Set<JavaClass> ports = Ports.of(CLASSES);
        JavaClass session = CLASSES.get("dev.virtuoso.rollback.cli.Session");
        // Wiring's getters of an adapter: their type is a port or implements one (JsonlJournal).
        Set<JavaMethod> getters = CLASSES.get("dev.virtuoso.rollback.cli.Wiring").getMethods().stream()
                .filter(m -> portOf(m.getRawReturnType(), ports).isPresent()).collect(Collectors.toSet());
        // Each port a Session method hands out comes from one of those getters, or from an adapter
        // Session builds itself (Slack's): the two rules below cover both ways.
        Set<String> handedOut = new TreeSet<>();
        Set<String> fromGettersOrBuilt = new TreeSet<>();
        for (JavaMethod m : session.getMethods()) {
            Optional<String> port = portOf(m.getRawReturnType(), ports);
            if (port.isPresent()) {
                handedOut.add(port.get());
                for (JavaMethodCall call : m.getMethodCallsFromSelf()) {
                    call.getTarget().resolveMember().filter(getters::contains)
                            .flatMap(g -> portOf(g.getRawReturnType(), ports)).ifPresent(fromGettersOrBuilt::add);
                }
                for (JavaConstructorCall call : m.getConstructorCallsFromSelf()) {
                    portOf(call.getTargetOwner(), ports).ifPresent(fromGettersOrBuilt::add);
                }
            }
        }
        assertThat(handedOut).as("ports Session hands out").isNotEmpty().isSubsetOf(fromGettersOrBuilt);

        DescribedPredicate<JavaMethodCall> aGetter = DescribedPredicate.describe("a getter of an adapter "
                + getters.stream().map(JavaMethod::getName).sorted().toList(),
                call -> call.getTarget().resolveMember().filter(getters::contains).isPresent());
        noClasses().that().resideInAPackage("..cli..").and().doNotHaveSimpleName("Session")
                .should().callMethodWhere(aGetter).check(CLASSES);
        DescribedPredicate<JavaConstructorCall> anAdapter = DescribedPredicate.describe("an adapter",
                call -> portOf(call.getTargetOwner(), ports).isPresent());
        noClasses().that().resideInAPackage("..cli..").and().doNotHaveSimpleName("Session").and()
                .doNotHaveSimpleName("Wiring").should().callConstructorWhere(anAdapter).check(CLASSES);
    }

    /** The port {@code type} is or implements, if any. */
    private static Optional<String> portOf(JavaClass type, Set<JavaClass> ports) {
        return ports.stream().filter(p -> type.isAssignableTo(p.getName())).map(JavaClass::getSimpleName).findFirst();
    }
}

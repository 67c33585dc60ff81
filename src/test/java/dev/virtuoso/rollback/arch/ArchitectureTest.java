package dev.virtuoso.rollback.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The layering: cli → runbook ← gcp/verify/journal/notify/git; sandbox stands alone. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = Ports.PRODUCT;

    @Test
    void theDomainDependsOnNoAdapterAndNoGoogleApi() {
        noClasses().that().resideInAPackage("..runbook..")
                .should().dependOnClassesThat().resideInAnyPackage("..cli..", "..gcp..", "..verify..", "..journal..",
                        "..sandbox..", "..notify..", "..git..", "com.google..", "io.grpc..", "okhttp3..", "picocli..")
                .check(CLASSES);
    }

    @Test
    void adaptersDoNotDependOnEachOtherOrTheCli() {
        noClasses().that().resideInAnyPackage("..gcp..", "..verify..", "..journal..", "..notify..", "..git..")
                .should().dependOnClassesThat().resideInAnyPackage("..cli..", "..sandbox..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("..git..").should().dependOnClassesThat()
                .resideInAnyPackage("..gcp..", "..verify..", "..journal..", "..notify..").check(CLASSES);
        noClasses().that().resideInAnyPackage("..gcp..", "..verify..", "..journal..", "..notify..", "..sandbox..")
                .should().dependOnClassesThat().resideInAPackage("..git..").check(CLASSES);
        noClasses().that().resideInAPackage("..gcp..").should().dependOnClassesThat()
                .resideInAnyPackage("..verify..", "..journal..").check(CLASSES);
    }

    @Test
    void theSandboxUsesOnlyTheGeneratedApiNotTheTool() {
        noClasses().that().resideInAPackage("..sandbox..")
                .should().dependOnClassesThat().resideInAnyPackage("..cli..", "..runbook..", "..gcp..", "..verify..",
                        "..journal..")
                .check(CLASSES);
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

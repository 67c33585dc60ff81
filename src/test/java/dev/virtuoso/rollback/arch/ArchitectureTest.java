package dev.virtuoso.rollback.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md's layering: cli → runbook ← gcp/verify/journal/notify/git; sandbox stands alone. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.virtuoso.rollback");

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
        String wiring = "dev.virtuoso.rollback.cli.Wiring";
        noClasses().that().resideInAPackage("..cli..").and().doNotHaveSimpleName("Session")
                .should().callMethod(wiring, "serviceControl").orShould().callMethod(wiring, "journal")
                .orShould().callMethod(wiring, "alertPolicies")
                .check(CLASSES);
    }
}

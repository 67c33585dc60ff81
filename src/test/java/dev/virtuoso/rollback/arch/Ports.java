package dev.virtuoso.rollback.arch;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ports, found in the code rather than listed: every interface of the domain (outside the adapters, the cli and the sandbox) that a
 * class of an adapter package implements, and every domain interface a port's method hands out
 * (the Incident a Notifier opens, which an adapter may implement as a lambda).
 */
public final class Ports {
    private static final String[] ADAPTER_PACKAGES = {"..rollback.adapter.."};

    /** The product's classes, tests excluded. */
    public static final JavaClasses PRODUCT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.virtuoso.rollback");

    private Ports() {
    }

    /** The ports among {@code classes}, ordered by name. */
    public static Set<JavaClass> of(JavaClasses classes) {
        DescribedPredicate<JavaClass> domain = JavaClass.Predicates.resideInAPackage("dev.virtuoso.rollback..").and(
                JavaClass.Predicates.resideOutsideOfPackages("..rollback.adapter..", "..rollback.cli..", "..rollback.sandbox.."));
        DescribedPredicate<JavaClass> adapter = JavaClass.Predicates.resideInAnyPackage(ADAPTER_PACKAGES);
        Set<JavaClass> ports = new TreeSet<>((a, b) -> a.getName().compareTo(b.getName()));
        Deque<JavaClass> next = new ArrayDeque<>();
        for (JavaClass c : classes) {
            if (adapter.test(c)) {
                c.getAllRawInterfaces().stream().filter(domain::test).forEach(next::add);
            }
        }
        while (!next.isEmpty()) {
            JavaClass port = next.pop();
            if (ports.add(port)) {
                for (JavaMethod m : port.getAllMethods()) {
                    JavaClass returned = m.getRawReturnType();
                    if (returned.isInterface() && domain.test(returned)) {
                        next.add(returned);
                    }
                }
            }
        }
        return ports;
    }
}

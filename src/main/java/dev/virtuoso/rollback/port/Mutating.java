package dev.virtuoso.rollback.port;

import dev.virtuoso.rollback.change.DryRun;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a port method that changes something outside the process: a cloud resource, the
 * journal, a chat channel. Under {@code --dry-run} such a method cannot run ({@link DryRun}). Every
 * port method is marked either this or {@link ReadOnly}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Mutating {
}

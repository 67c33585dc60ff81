package dev.virtuoso.rollback.change;

import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.port.Mutating;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * {@code --dry-run}, decided once per run where the ports are handed out: a guarded port still
 * reads, but every {@link Mutating} method refuses. The use cases show their plan and stop before
 * calling one; the guard makes a path that forgets it fail loudly instead of changing anything.
 */
public final class DryRun {
    private DryRun() {
    }

    public static <T> T guard(Class<T> port, T target) {
        return port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port}, (proxy, method, args) -> {
            if (method.isAnnotationPresent(Mutating.class)) {
                throw new RunbookException(ExitCode.INTERNAL, "bug: " + port.getSimpleName() + "." + method.getName()
                        + " was called in a dry run; it was refused, nothing was changed");
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }
}

package dev.virtuoso.rollback.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A revision's configuration fingerprint (see {@link Revision#config()}), computed the first time it
 * is compared: computing one loads protobuf descriptors, ~6% of a whole `status` run that never
 * needs it (docs/performance.md).
 */
public final class Fingerprint {
    private final Supplier<String> compute;
    private String value;

    private Fingerprint(Supplier<String> compute) {
        this.compute = compute;
    }

    public static Fingerprint of(Supplier<String> compute) {
        return new Fingerprint(Objects.requireNonNull(compute));
    }

    /** In JSON output ({@code status -o json}) the fingerprint is its value. */
    @JsonValue
    public synchronized String value() {
        if (value == null) {
            value = compute.get();
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint f && value().equals(f.value());
    }

    @Override
    public int hashCode() {
        return value().hashCode();
    }

    @Override
    public String toString() {
        return value();
    }
}

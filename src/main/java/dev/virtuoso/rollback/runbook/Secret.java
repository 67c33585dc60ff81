package dev.virtuoso.rollback.runbook;

/** A secret value that cannot leak by accident: toString never shows it. */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "[redacted]";
    }
}

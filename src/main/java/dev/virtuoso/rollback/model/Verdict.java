package dev.virtuoso.rollback.model;

import com.fasterxml.jackson.annotation.JsonValue;

public enum Verdict {
    PASS, FAIL, INCONCLUSIVE;

    @JsonValue
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

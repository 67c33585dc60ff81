package dev.virtuoso.rollback.runbook;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The outcome of one check (its JSON fields, fixed for tooling: name, kind, verdict, status, latencyMs, detail). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckResult(String name, String kind, Verdict verdict, Integer status, long latencyMs, String detail) {
}

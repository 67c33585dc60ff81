package dev.virtuoso.rollback.runbook;

import java.util.Optional;

/** Which HTTP checks to run against which base URL, with the API key when a check needs it. */
public record VerifyRequest(String baseUrl, Runbook.Checks checks, boolean health, boolean functional,
                            Optional<Secret> apiKey) {
    public VerifyRequest at(String url) {
        return new VerifyRequest(url, checks, health, functional, apiKey);
    }
}

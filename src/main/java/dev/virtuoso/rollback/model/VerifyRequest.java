package dev.virtuoso.rollback.model;

import dev.virtuoso.rollback.config.Runbook;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which HTTP checks to run against which base URL, with the API key when a check needs it.
 * The transport rule (the key only over https or to a loopback address) holds when the
 * request is made, which is before anything changes: a bad URL is exit 2 with nothing changed.
 *
 * <p>A key that cannot be had never blocks a rollback: {@code noKey} says why, and the checks
 * that would send it are inconclusive with that reason while the others run.
 */
public record VerifyRequest(String baseUrl, Runbook.Checks checks, boolean health, boolean functional,
                            Optional<Secret> apiKey, String noKey) {
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");

    public VerifyRequest {
        URI url = parse(baseUrl);
        if (sendsKey(checks, functional) && apiKey.isEmpty() && noKey == null) {
            noKey = "API key not available: set apiKey in the runbook";
        }
        if (sendsKey(checks, functional) && apiKey.isPresent() && !"https".equals(url.getScheme())
                && !isLoopback(url.getHost())) {
            throw RunbookException.invalid("refusing to send the API key over plain http to " + url.getHost()
                    + "; use an https:// URL (--url or service.url)");
        }
    }

    public VerifyRequest(String baseUrl, Runbook.Checks checks, boolean health, boolean functional,
                         Optional<Secret> apiKey) {
        this(baseUrl, checks, health, functional, apiKey, null);
    }

    public VerifyRequest at(String url) {
        return new VerifyRequest(url, checks, health, functional, apiKey, noKey);
    }

    /**
     * The same checks without those whose method asks the service for a change (a POST, a PUT...):
     * what a dry run may send.
     */
    public VerifyRequest readOnly() {
        return new VerifyRequest(baseUrl, new Runbook.Checks(checks.timeout(), checks.retries(),
                checks.health().stream().filter(Runbook.HttpCheck::readOnly).toList(),
                checks.functional().stream().filter(Runbook.HttpCheck::readOnly).toList()), health, functional,
                apiKey, noKey);
    }

    /** What these checks cannot check, for the plan: empty when every selected check can run. */
    public Optional<String> gap() {
        return apiKey.isEmpty() && sendsKey(checks, functional)
                ? Optional.of("the functional checks that send the API key will be inconclusive (" + noKey + ")")
                : Optional.empty();
    }

    /** True when the selected checks send the API key. */
    public static boolean sendsKey(Runbook.Checks checks, boolean functional) {
        return functional && checks.functional().stream().anyMatch(Runbook.HttpCheck::auth);
    }

    public static boolean isLoopback(String host) {
        return host != null && (host.equals("localhost") || LOOPBACK_V4.matcher(host).matches() || host.equals("[::1]")
                || host.equals("::1"));
    }

    private static URI parse(String baseUrl) {
        URI url = null;
        try {
            url = new URI(baseUrl);
        } catch (URISyntaxException | NullPointerException e) {
            // reported below
        }
        if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                || url.getHost() == null) {
            throw RunbookException.invalid("'" + baseUrl + "' is not an http(s) URL to check");
        }
        // URI takes any number as a port; the HTTP client (and TCP) only 1..65535.
        if (url.getPort() != -1 && (url.getPort() < 1 || url.getPort() > 65535)) {
            throw RunbookException.invalid("'" + baseUrl + "' is not an http(s) URL to check: port " + url.getPort()
                    + " is not in 1..65535");
        }
        return url;
    }
}

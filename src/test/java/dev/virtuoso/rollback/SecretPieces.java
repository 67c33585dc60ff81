package dev.virtuoso.rollback;

import java.util.ArrayList;
import java.util.List;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;

/** What tests look for in every output (any run of 8 characters taken from a secret), and a server that echoes one. */
public final class SecretPieces {
    public static final int PIECE = 8;
    /** Every cut point of the 120 characters of an answer a check's detail shows, the key across it and after it. */
    public static final int OFFSETS = 131;

    private SecretPieces() {
    }

    /** The 8-character pieces of {@code secret} that {@code text} contains (empty when none). */
    public static List<String> in(String text, String secret) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i + PIECE <= secret.length(); i++) {
            String piece = secret.substring(i, i + PIECE);
            if (text.contains(piece) && !found.contains(piece)) {
                found.add(piece);
            }
        }
        return found;
    }

    /** Answers 500 to every request: {@code secret} after as many filler characters as its path's last number, then more text. */
    public static Dispatcher echoing(String secret) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                int offset = Integer.parseInt(r.getPath().substring(r.getPath().lastIndexOf('/') + 1));
                return new MockResponse().setResponseCode(500).setBody("x".repeat(offset) + secret + " y".repeat(40));
            }
        };
    }

    /**
     * A runbook for the sandbox's service with the API key from API_KEY and, for each of the
     * {@link #OFFSETS}, a health check and a functional check that sends the key, no retries.
     */
    public static String echoRunbook() {
        StringBuilder b = new StringBuilder("""
                apiVersion: rollback/v1
                service: {project: virtuoso-sandbox, region: us-central1, name: virtuoso-api}
                apiKey: {env: API_KEY}
                checks:
                  timeout: 5s
                  retries: 0
                  health:
                """);
        for (int offset = 0; offset < OFFSETS; offset++) {
            b.append("    - path: /health/").append(offset).append('\n');
        }
        b.append("  functional:\n");
        for (int offset = 0; offset < OFFSETS; offset++) {
            b.append("    - {name: echo ").append(offset).append(", path: /api/").append(offset).append(", auth: true}\n");
        }
        return b.toString();
    }
}

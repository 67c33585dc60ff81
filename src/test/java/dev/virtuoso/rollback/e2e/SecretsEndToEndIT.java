package dev.virtuoso.rollback.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.SecretPieces;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** target/rollback as a process: a service that echoes the API key gets no piece of it printed or written. */
class SecretsEndToEndIT {
    private static final String LAUNCHER = System.getProperty("rollback.launcher", "target/rollback");
    private static final String KEY = "vk-demo-4f1c9e27b3d8a6052c1e";

    @TempDir
    Path home;

    private record Run(int code, String out, String err) {
    }

    private Run rollback(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new java.util.ArrayList<>(List.of(LAUNCHER)));
        pb.command().addAll(List.of(args));
        pb.environment().put("API_KEY", KEY + "\n");
        pb.environment().put("ROLLBACK_HOME", home.toString());
        pb.environment().put("ROLLBACK_INCIDENT_DIR", home.toString() + "/incidents");
        pb.environment().put("CLOUDSDK_CONFIG", home.resolve("gcloud").toString());
        pb.environment().put("NO_GCE_CHECK", "true");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    @Test
    void verifyAgainstAServiceThatEchoesTheKeyAtEveryOffsetPrintsAndWritesNoPieceOfIt() throws Exception {
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(SecretPieces.echoing(KEY));
            server.start();
            Path runbook = home.resolve("echo.yaml");
            Files.writeString(runbook, SecretPieces.echoRunbook());
            Path xml = home.resolve("checks.xml");
            String url = server.url("/").toString();

            Run text = rollback("-r", runbook.toString(), "--url", url, "-v", "verify", "--health", "--functional");
            Run json = rollback("-r", runbook.toString(), "--url", url, "-o", "json", "verify", "--health",
                    "--functional", "--junit", xml.toString());

            assertThat(text.code()).as(text.err()).isEqualTo(3);
            assertThat(json.code()).as(json.err()).isEqualTo(3);
            assertThat(server.getRequestCount()).isEqualTo(2 * 2 * SecretPieces.OFFSETS);
            assertThat(text.out()).contains("x".repeat(110) + "[redacted]…");
            String junit = Files.readString(xml);
            assertThat(junit).contains("[redacted]");
            for (String written : List.of(text.out(), text.err(), json.out(), json.err(), junit)) {
                assertThat(SecretPieces.in(written, KEY)).isEmpty();
            }
        }
    }
}

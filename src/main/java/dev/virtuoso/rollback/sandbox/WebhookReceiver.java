package dev.virtuoso.rollback.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Slack-compatible incoming webhook on loopback: records each JSON body and answers like
 * Slack does, with the plain text {@code ok} (no message id comes back).
 */
final class WebhookReceiver {
    static final String PATH = "/services/T00000000/B00000000/sandbox";

    private final HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean hang;

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext(PATH, this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    /** The JSON bodies received, oldest first. */
    List<String> messages() {
        return List.copyOf(bodies);
    }

    /** Makes every later post fail with this HTTP status (200 to recover). */
    void failWith(int httpStatus) {
        this.status = httpStatus;
    }

    /** Makes every later post wait without answering, like a webhook whose host is gone. */
    void hang() {
        this.hang = true;
    }

    void stop() {
        released.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        if (hang) {
            try {
                released.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        int answer = status;
        if (answer == 200) {
            bodies.add(body);
        }
        byte[] bytes = (answer == 200 ? "ok" : "internal_error").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(answer, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

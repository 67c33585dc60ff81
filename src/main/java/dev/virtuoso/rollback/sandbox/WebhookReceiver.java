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
 * Slack does, with the plain text {@code ok} (no message id comes back). Beside it, the few Web
 * API methods a bot token uses ({@code /api/chat.postMessage} answering a channel ID and a ts,
 * and the three steps of sharing a file), so threads and the shared chart can be seen.
 */
final class WebhookReceiver {
    static final String PATH = "/services/T00000000/B00000000/sandbox";
    /** The channel ID every channel name posts to. */
    static final String CHANNEL_ID = "C0SANDBOX1";
    private static final String UPLOAD = "/upload/";

    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Map<String, Integer> uploaded = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> shared = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    private final HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean hang;
    private volatile String refusal;

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext(PATH, this::handle);
        server.createContext("/api/", this::api);
        server.createContext(UPLOAD, this::upload);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    /** The JSON bodies received, oldest first. */
    List<String> messages() {
        return List.copyOf(bodies);
    }

    /** The host:port its Web API answers on (as SLACK_API_EMULATOR_HOST). */
    String apiHost() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** The files shared through the Web API, oldest first: "NAME (N bytes) in thread TS of CHANNEL". */
    List<String> files() {
        return List.copyOf(shared);
    }

    /** Each message and file the Web API receives, as a line. */
    void onMessage(java.util.function.Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Makes every later Web API call answer {@code {"ok": false, "error": error}} (null to recover). */
    void refuseWith(String error) {
        this.refusal = error;
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

    private void api(HttpExchange ex) throws IOException {
        byte[] request = ex.getRequestBody().readAllBytes();
        String method = ex.getRequestURI().getPath().substring("/api/".length());
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (status != 200) {
            answer(ex, status, "text/plain", "internal_error");
            return;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = dev.virtuoso.rollback.json.Json.mapper();
        String refused = auth == null || !auth.startsWith("Bearer ") || auth.length() <= "Bearer ".length()
                ? "not_authed" : refusal;
        if (refused != null) {
            answer(ex, 200, "application/json", json.createObjectNode().put("ok", false).put("error", refused).toString());
            return;
        }
        switch (method) {
            case "chat.postMessage" -> {
                String body = new String(request, StandardCharsets.UTF_8);
                com.fasterxml.jackson.databind.JsonNode msg = json.readTree(body);
                bodies.add(body);
                String ts = (1_700_000_000L + sequence.incrementAndGet()) + ".000100";
                String thread = msg.path("thread_ts").asText(null);
                tell(thread == null ? msg.path("channel").asText() + " " + ts + ": " + msg.path("text").asText()
                        : "  ↳ in thread " + thread + ": " + msg.path("text").asText());
                answer(ex, 200, "application/json", json.createObjectNode().put("ok", true).put("channel", CHANNEL_ID)
                        .put("ts", ts).toString());
            }
            case "files.getUploadURLExternal" -> {
                java.util.Map<String, String> form = form(new String(request, StandardCharsets.UTF_8));
                String id = "F" + (1000 + sequence.incrementAndGet());
                uploaded.put(id + " " + form.getOrDefault("filename", "?"), -1);
                answer(ex, 200, "application/json", json.createObjectNode().put("ok", true).put("file_id", id)
                        .put("upload_url", "http://" + apiHost() + UPLOAD + id).toString());
            }
            case "files.completeUploadExternal" -> {
                com.fasterxml.jackson.databind.JsonNode done = json.readTree(request);
                for (com.fasterxml.jackson.databind.JsonNode f : done.path("files")) {
                    String id = f.path("id").asText();
                    String line = uploaded.entrySet().stream().filter(e -> e.getKey().startsWith(id + " "))
                            .map(e -> e.getKey().substring(id.length() + 1) + " (" + e.getValue() + " bytes)")
                            .findFirst().orElse(id + " (never uploaded)") + " in thread "
                            + done.path("thread_ts").asText() + " of " + done.path("channel_id").asText();
                    shared.add(line);
                    tell("  ↳ file " + line);
                }
                answer(ex, 200, "application/json", "{\"ok\":true}");
            }
            default -> answer(ex, 200, "application/json", "{\"ok\":false,\"error\":\"unknown_method\"}");
        }
    }

    private void upload(HttpExchange ex) throws IOException {
        int length = ex.getRequestBody().readAllBytes().length;
        String id = ex.getRequestURI().getPath().substring(UPLOAD.length());
        uploaded.replaceAll((key, was) -> key.startsWith(id + " ") ? length : was);
        answer(ex, 200, "text/plain", "OK - " + length);
    }

    /** One line each, since `rollback sandbox` prints them into a file that is sourced as shell. */
    private void tell(String line) {
        String one = line.replaceAll("[\\r\\n\\u2028\\u2029]+", " ");
        listeners.forEach(l -> l.accept(one));
    }

    private static java.util.Map<String, String> form(String body) {
        java.util.Map<String, String> fields = new java.util.HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static void answer(HttpExchange ex, int code, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

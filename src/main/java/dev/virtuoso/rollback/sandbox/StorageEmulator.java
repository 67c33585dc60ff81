package dev.virtuoso.rollback.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.virtuoso.rollback.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal Cloud Storage JSON API on loopback, enough for reading Firestore exports as the
 * google-cloud-storage client asks: {@code objects.list} ({@code GET /storage/v1/b/B/o} with
 * prefix, delimiter, maxResults, pageToken) and {@code objects.get} ({@code GET
 * /storage/v1/b/B/o/NAME}, metadata; {@code alt=media} for the bytes). Objects are written by
 * the other emulators (a Firestore export), not over HTTP.
 */
final class StorageEmulator {
    private static final String BASE = "/storage/v1/b/";

    private record Blob(byte[] data, long generation, Instant created) {
    }

    private final Clock clock;
    private final HttpServer server;
    private final Map<String, NavigableMap<String, Blob>> buckets = new HashMap<>();
    private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
    private volatile Runnable beforeRead = () -> { };

    StorageEmulator(Clock clock) {
        this.clock = clock;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Cloud Storage emulator: " + e.getMessage(), e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Runs before each read: operations that finished in the meantime write their objects. */
    void beforeRead(Runnable r) {
        this.beforeRead = r;
    }

    void stop() {
        server.stop(0);
    }

    synchronized void createBucket(String bucket) {
        buckets.computeIfAbsent(bucket, b -> new TreeMap<>());
    }

    synchronized boolean bucketExists(String bucket) {
        return buckets.containsKey(bucket);
    }

    /** Writes an object (creating its bucket), as Firestore does when an export completes. */
    synchronized void put(String bucket, String name, byte[] data) {
        buckets.computeIfAbsent(bucket, b -> new TreeMap<>()).put(name, new Blob(data.clone(),
                generations.incrementAndGet(), clock.instant()));
    }

    synchronized byte[] read(String bucket, String name) {
        Blob b = buckets.getOrDefault(bucket, new TreeMap<>()).get(name);
        return b == null ? null : b.data().clone();
    }

    synchronized List<String> names(String bucket, String prefix) {
        return buckets.getOrDefault(bucket, new TreeMap<>()).keySet().stream().filter(n -> n.startsWith(prefix))
                .toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            beforeRead.run();
            String path = ex.getRequestURI().getRawPath();
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            if (!"GET".equals(ex.getRequestMethod()) || !path.startsWith(BASE)) {
                error(ex, 501, "the sandbox's Cloud Storage answers only objects.list and objects.get");
                return;
            }
            String[] parts = path.substring(BASE.length()).split("/", 3);
            String bucket = decode(parts[0]);
            synchronized (this) {
                if (!buckets.containsKey(bucket)) {
                    error(ex, 404, "The specified bucket does not exist.");
                    return;
                }
            }
            if (parts.length == 2 && parts[1].equals("o")) {
                list(ex, bucket, q);
            } else if (parts.length == 3 && parts[1].equals("o")) {
                get(ex, bucket, decode(parts[2]), q);
            } else {
                error(ex, 501, "not emulated: " + path);
            }
        } catch (RuntimeException e) {
            error(ex, 500, String.valueOf(e));
        }
    }

    private void list(HttpExchange ex, String bucket, Map<String, String> q) throws IOException {
        String prefix = q.getOrDefault("prefix", "");
        String delimiter = q.get("delimiter");
        int max = Integer.parseInt(q.getOrDefault("maxResults", "1000"));
        String after = q.get("pageToken");
        ObjectNode doc = Json.mapper().createObjectNode().put("kind", "storage#objects");
        ArrayNode items = Json.mapper().createArrayNode();
        TreeSet<String> prefixes = new TreeSet<>();
        String last = null;
        boolean more = false;
        synchronized (this) {
            NavigableMap<String, Blob> all = after == null ? buckets.get(bucket) : buckets.get(bucket).tailMap(after, false);
            int n = 0;
            for (Map.Entry<String, Blob> e : all.entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                if (n >= max) {
                    more = true;
                    break;
                }
                int d = delimiter == null || delimiter.isEmpty() ? -1 : name.indexOf(delimiter, prefix.length());
                if (d >= 0) {
                    if (prefixes.add(name.substring(0, d + delimiter.length()))) {
                        n++;
                    }
                } else {
                    items.add(object(bucket, name, e.getValue()));
                    n++;
                }
                last = name;
            }
        }
        if (!items.isEmpty()) {
            doc.set("items", items);
        }
        if (!prefixes.isEmpty()) {
            ArrayNode p = doc.putArray("prefixes");
            prefixes.forEach(p::add);
        }
        if (more && last != null) {
            doc.put("nextPageToken", last);
        }
        send(ex, 200, Json.mapper().writeValueAsBytes(doc), "application/json");
    }

    private void get(HttpExchange ex, String bucket, String name, Map<String, String> q) throws IOException {
        Blob b;
        synchronized (this) {
            b = buckets.get(bucket).get(name);
        }
        if (b == null) {
            error(ex, 404, "No such object: " + bucket + "/" + name);
            return;
        }
        if ("media".equals(q.get("alt"))) {
            send(ex, 200, b.data(), "application/octet-stream");
            return;
        }
        send(ex, 200, Json.mapper().writeValueAsBytes(object(bucket, name, b)), "application/json");
    }

    private static ObjectNode object(String bucket, String name, Blob b) {
        String time = b.created().toString();
        return Json.mapper().createObjectNode().put("kind", "storage#object").put("id", bucket + "/" + name + "/"
                        + b.generation()).put("name", name).put("bucket", bucket)
                .put("generation", String.valueOf(b.generation())).put("metageneration", "1")
                .put("contentType", "application/octet-stream").put("storageClass", "STANDARD")
                .put("size", String.valueOf(b.data().length)).put("timeCreated", time).put("updated", time);
    }

    private static void error(HttpExchange ex, int code, String message) throws IOException {
        ObjectNode err = Json.mapper().createObjectNode();
        ObjectNode e = err.putObject("error").put("code", code).put("message", message);
        e.putArray("errors").addObject().put("message", message).put("domain", "global")
                .put("reason", code == 404 ? "notFound" : "backendError");
        send(ex, code, Json.mapper().writeValueAsBytes(err), "application/json");
    }

    private static void send(HttpExchange ex, int code, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type + (type.startsWith("application/json") ? "; charset=UTF-8" : ""));
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            q.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}

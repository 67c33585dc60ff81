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
 * A minimal Cloud Storage JSON API on loopback, as the google-cloud-storage client asks it:
 * {@code objects.list} ({@code GET /storage/v1/b/B/o} with prefix, delimiter, maxResults,
 * pageToken), {@code objects.get} ({@code GET /storage/v1/b/B/o/NAME}, metadata; {@code alt=media}
 * for the bytes), {@code objects.insert} ({@code POST /upload/storage/v1/b/B/o}, multipart or
 * resumable) and {@code objects.delete}, the last two with {@code ifGenerationMatch} (0: the object
 * must not exist) answered 412 with Google's error body when it does not hold. Every object has a
 * generation of its own. Firestore exports are written by the other emulators, not over HTTP.
 */
final class StorageEmulator {
    private static final String BASE = "/storage/v1/b/";
    private static final String UPLOAD = "/upload/storage/v1/b/";
    private static final String NOT_MET = "At least one of the pre-conditions you specified did not hold.";

    /** A request that writes: {@code POST} (create or replace) or {@code DELETE}, its object and precondition. */
    record Write(String method, String bucket, String name, String ifGenerationMatch, int status, boolean replaced) {
        @Override
        public String toString() {
            return method + " " + bucket + "/" + name + " ifGenerationMatch=" + ifGenerationMatch + " -> " + status
                    + (replaced ? " (replaced)" : "");
        }
    }

    /** A resumable upload begun and not yet finished: its object and precondition. */
    private record Session(String bucket, String name, String ifGenerationMatch) {
    }

    private record Blob(byte[] data, long generation, Instant created) {
    }

    private final Clock clock;
    private final HttpServer server;
    private final Map<String, NavigableMap<String, Blob>> buckets = new HashMap<>();
    private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
    private volatile Runnable beforeRead = () -> { };
    private final List<Write> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Session> sessions = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    /** Answer the next writes with this status (503, 403...) instead of acting; 0: act. */
    private final java.util.concurrent.atomic.AtomicInteger failWrites = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int failWritesStatus;
    private volatile java.util.function.Predicate<String> failWritesOf = n -> true;
    /** The failing writes are applied all the same: only their answer is lost (the connection broke). */
    private volatile boolean failAfterApplying;

    /** While set, every request waits here before it is handled (Cloud Storage hanging). */
    private volatile java.util.concurrent.CountDownLatch hold;
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();

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
        answer();
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

    /** Every write received over HTTP, oldest first. */
    List<Write> writes() {
        return List.copyOf(writes);
    }

    /** The next {@code times} writes of an object whose name {@code which} accepts answer {@code status}. */
    void failWrites(int status, int times, java.util.function.Predicate<String> which) {
        failWrites(status, times, which, false);
    }

    /**
     * As {@link #failWrites(int, int, java.util.function.Predicate)}; {@code applied}: each such write
     * is made, and only its answer is {@code status}, as when a reply is lost on its way back.
     */
    void failWrites(int status, int times, java.util.function.Predicate<String> which, boolean applied) {
        failAfterApplying = applied;
        failWritesStatus = status;
        failWritesOf = which;
        failWrites.set(times);
    }

    /** Every request from now on hangs until {@link #answer()}. */
    void hang() {
        hold = new java.util.concurrent.CountDownLatch(1);
    }

    /** Requests that hang have been received and not answered yet. */
    int hanging() {
        return held.get();
    }

    /** Hanging requests are handled, and the next ones at once. */
    void answer() {
        java.util.concurrent.CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    /** The current generation of an object, or 0 when there is none. */
    synchronized long generation(String bucket, String name) {
        Blob b = buckets.getOrDefault(bucket, new TreeMap<>()).get(name);
        return b == null ? 0 : b.generation();
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
            java.util.concurrent.CountDownLatch h = hold;
            if (h != null) {
                held.incrementAndGet();
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    held.decrementAndGet();
                }
            }
            beforeRead.run();
            // The client reads an object's bytes from /download/storage/v1/..., the same object as /storage/v1/...
            String path = ex.getRequestURI().getRawPath().replaceFirst("^/download/", "/");
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod();
            if (path.startsWith(UPLOAD)) {
                upload(ex, decode(path.substring(UPLOAD.length()).split("/", 2)[0]), q);
                return;
            }
            boolean delete = "DELETE".equals(method);
            if (!("GET".equals(method) || delete) || !path.startsWith(BASE)) {
                error(ex, 501, "the sandbox's Cloud Storage answers only objects.list, get, insert and delete");
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
            if (parts.length == 3 && parts[1].equals("iam") && parts[2].equals("testPermissions")) {
                testPermissions(ex, ex.getRequestURI().getRawQuery());
            } else if (parts.length == 2 && parts[1].equals("o")) {
                list(ex, bucket, q);
            } else if (parts.length == 3 && parts[1].equals("o") && delete) {
                delete(ex, bucket, decode(parts[2]), q);
            } else if (parts.length == 3 && parts[1].equals("o")) {
                get(ex, bucket, decode(parts[2]), q);
            } else {
                error(ex, 501, "not emulated: " + path);
            }
        } catch (RuntimeException | IOException e) {
            error(ex, 500, String.valueOf(e));
        }
    }

    /** {@code buckets.testIamPermissions}: the sandbox's caller holds every permission it asks about. */
    private static void testPermissions(HttpExchange ex, String rawQuery) throws IOException {
        ObjectNode doc = Json.mapper().createObjectNode().put("kind", "storage#testIamPermissionsResponse");
        ArrayNode granted = doc.putArray("permissions");
        for (String pair : rawQuery == null ? new String[0] : rawQuery.split("&")) {
            if (pair.startsWith("permissions=")) {
                granted.add(decode(pair.substring("permissions=".length())));
            }
        }
        send(ex, 200, Json.mapper().writeValueAsBytes(doc), "application/json");
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

    /**
     * {@code objects.insert}: {@code uploadType=multipart} (metadata and bytes in one request, what
     * the client sends for a byte array), {@code uploadType=resumable} (a session begun with the
     * metadata, then the bytes PUT to the session's URL) or {@code media} (bytes only, name in the query).
     */
    private void upload(HttpExchange ex, String bucket, Map<String, String> q) throws IOException {
        // The client gzips the whole multipart body of a small upload (Content-Encoding: gzip).
        byte[] body = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))
                ? new java.util.zip.GZIPInputStream(ex.getRequestBody()).readAllBytes()
                : ex.getRequestBody().readAllBytes();
        String type = q.getOrDefault("uploadType", "");
        if (q.containsKey("upload_id")) {
            Session s = sessions.remove(q.get("upload_id"));
            if (s == null) {
                error(ex, 404, "No such upload session.");
                return;
            }
            create(ex, s.bucket(), s.name(), s.ifGenerationMatch(), body);
            return;
        }
        synchronized (this) {
            if (!buckets.containsKey(bucket)) {
                error(ex, 404, "The specified bucket does not exist.");
                return;
            }
        }
        switch (type) {
            case "multipart" -> {
                byte[][] parts = multipart(ex.getRequestHeaders().getFirst("Content-Type"), body);
                String name = Json.mapper().readTree(parts[0]).path("name").asText(null);
                create(ex, bucket, name, q.get("ifGenerationMatch"), parts[1]);
            }
            case "resumable" -> {
                String name = body.length == 0 ? q.get("name") : Json.mapper().readTree(body).path("name").asText(null);
                String id = "s" + sessionIds.incrementAndGet();
                sessions.put(id, new Session(bucket, name, q.get("ifGenerationMatch")));
                ex.getResponseHeaders().set("Location", "http://" + host() + UPLOAD + bucket
                        + "/o?uploadType=resumable&upload_id=" + id);
                send(ex, 200, new byte[0], "application/json");
            }
            case "media" -> create(ex, bucket, q.get("name"), q.get("ifGenerationMatch"), body);
            default -> error(ex, 501, "not emulated: uploadType=" + type);
        }
    }

    private void create(HttpExchange ex, String bucket, String name, String ifGenerationMatch, byte[] data)
            throws IOException {
        if (name == null || name.isEmpty()) {
            error(ex, 400, "Required: the object name.");
            return;
        }
        Blob created;
        boolean replaced;
        int failure = failure(name);
        int lostAnswer = 0;
        if (failure != 0 && failAfterApplying) {
            lostAnswer = failure;
            failure = 0;
        }
        synchronized (this) {
            NavigableMap<String, Blob> objects = buckets.get(bucket);
            Blob now = objects.get(name);
            if (failure != 0) {
                writes.add(new Write("POST", bucket, name, ifGenerationMatch, failure, false));
            } else if (ifGenerationMatch != null && Long.parseLong(ifGenerationMatch) != (now == null ? 0
                    : now.generation())) {
                writes.add(new Write("POST", bucket, name, ifGenerationMatch, 412, false));
                failure = 412;
            }
            if (failure != 0) {
                created = null;
                replaced = false;
            } else {
                created = new Blob(data.clone(), generations.incrementAndGet(), clock.instant());
                objects.put(name, created);
                replaced = now != null;
                writes.add(new Write("POST", bucket, name, ifGenerationMatch, lostAnswer != 0 ? lostAnswer : 200,
                        replaced));
            }
        }
        if (lostAnswer != 0 && created != null) {
            failed(ex, lostAnswer);
            return;
        }
        if (created == null) {
            failed(ex, failure);
            return;
        }
        send(ex, 200, Json.mapper().writeValueAsBytes(object(bucket, name, created)), "application/json");
    }

    private void delete(HttpExchange ex, String bucket, String name, Map<String, String> q) throws IOException {
        String ifGenerationMatch = q.get("ifGenerationMatch");
        int status;
        int failure = failure(name);
        synchronized (this) {
            Blob now = buckets.get(bucket).get(name);
            status = failure != 0 ? failure : now == null ? 404 : ifGenerationMatch != null
                    && Long.parseLong(ifGenerationMatch) != now.generation() ? 412 : 204;
            if (status == 204) {
                buckets.get(bucket).remove(name);
            }
            writes.add(new Write("DELETE", bucket, name, ifGenerationMatch, status, false));
        }
        if (status == 204) {
            ex.sendResponseHeaders(204, -1);
        } else if (status == 404) {
            error(ex, 404, "No such object: " + bucket + "/" + name);
        } else {
            failed(ex, status);
        }
    }

    /** The status an injected fault answers a write of {@code name} with, or 0. */
    private int failure(String name) {
        if (failWritesOf.test(name) && failWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return failWritesStatus;
        }
        return 0;
    }

    private static void failed(HttpExchange ex, int status) throws IOException {
        if (status == 412) {
            ObjectNode err = Json.mapper().createObjectNode();
            ObjectNode e = err.putObject("error").put("code", 412).put("message", NOT_MET);
            e.putArray("errors").addObject().put("domain", "global").put("reason", "conditionNotMet")
                    .put("message", NOT_MET).put("locationType", "header").put("location", "If-Match");
            send(ex, 412, Json.mapper().writeValueAsBytes(err), "application/json");
        } else {
            error(ex, status, status == 403 ? "The caller does not have storage.objects.create access."
                    : "We encountered an internal error. Please try again.");
        }
    }

    /** The two parts of a {@code multipart/related} body: the metadata (JSON) and the bytes. */
    private static byte[][] multipart(String contentType, byte[] body) {
        String boundary = contentType.replaceFirst(".*boundary=\"?([^\";]+)\"?.*", "$1");
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> parts = new java.util.ArrayList<>();
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int start = at + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                break;
            }
            int next = indexOf(body, delimiter, start);
            if (next < 0) {
                break;
            }
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            int end = next;
            if (end >= 2 && body[end - 2] == '\r' && body[end - 1] == '\n') {
                end -= 2;
            }
            parts.add(java.util.Arrays.copyOfRange(body, headersEnd + 4, end));
            at = next;
        }
        if (parts.size() != 2) {
            throw new IllegalArgumentException("a multipart upload needs two parts, not " + parts.size());
        }
        return new byte[][] {parts.get(0), parts.get(1)};
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void get(HttpExchange ex, String bucket, String name, Map<String, String> q) throws IOException {
        Blob b;
        synchronized (this) {
            b = buckets.get(bucket).get(name);
        }
        if (b != null && q.containsKey("generation") && Long.parseLong(q.get("generation")) != b.generation()) {
            b = null; // only the live generation is kept
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
                .put("reason", code == 404 ? "notFound" : code == 403 ? "forbidden" : "backendError");
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

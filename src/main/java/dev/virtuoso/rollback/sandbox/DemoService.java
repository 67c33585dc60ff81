package dev.virtuoso.rollback.sandbox;

import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.run.v2.TrafficTargetStatus;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo virtuoso-api: the endpoints of the written runbook, each request answered by one
 * revision chosen as the traffic statuses split it (a broken one answers 503/500), named in the
 * response header {@code X-Revision}. {@code /t/TAG/...} reaches the tagged revision only, as a
 * tag URL does.
 */
final class DemoService {
    private final CloudRunEmulator cloudRun;
    private final LoggingEmulator logging;
    private final String serviceName;
    private final String apiKey;
    private final HttpServer server;
    private final ExecutorService pool;
    /** Smooth weighted round-robin state for the split it was made for (reset when the split changes). */
    private Map<String, Integer> split = Map.of();
    private final Map<String, Integer> current = new LinkedHashMap<>();
    /** How often each "METHOD /path" was asked, whatever answered. */
    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();

    DemoService(CloudRunEmulator cloudRun, LoggingEmulator logging, String serviceName, String apiKey, int port)
            throws IOException {
        this.cloudRun = cloudRun;
        this.logging = logging;
        this.serviceName = serviceName;
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        this.pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "demo-service");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    /** How many requests {@code methodAndPath} ("POST /api/v1/commands/step/assert/exists") has had. */
    int requests(String methodAndPath) {
        var n = asked.get(methodAndPath);
        return n == null ? 0 : n.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        asked.computeIfAbsent(ex.getRequestMethod() + " " + path, k -> new AtomicInteger())
                .incrementAndGet();
        String query = ex.getRequestURI().getQuery();
        Optional<Revision> revision;
        if (path.startsWith("/t/")) {
            String rest = path.substring(3);
            int slash = rest.indexOf('/');
            String tag = slash < 0 ? rest : rest.substring(0, slash);
            path = slash < 0 ? "/" : rest.substring(slash);
            revision = tagged(tag);
        } else {
            revision = serving();
        }
        int status;
        String body;
        if (revision.isEmpty()) {
            status = 404;
            body = "{\"error\": \"no revision serves this URL\"}";
        } else {
            Revision r = revision.get();
            String name = CloudRunEmulator.shortName(r.getName());
            ex.getResponseHeaders().set("X-Revision", name);
            String image = r.getContainersCount() > 0 ? r.getContainers(0).getImage() : "";
            boolean broken = cloudRun.isBroken(image);
            boolean api = path.startsWith("/api/");
            if (api && !apiKey.equals(ex.getRequestHeaders().getFirst("X-API-Key"))) {
                status = 401;
                body = "{\"error\": \"missing or wrong X-API-Key\"}";
            } else if (broken) {
                status = api ? 500 : 503;
                body = "{\"status\": \"error\", \"revision\": \"" + name + "\"}";
                logging.requestFailed(serviceName, name, ex.getRequestMethod(), ex.getRequestURI().toString(), status);
            } else {
                var answer = answer(ex.getRequestMethod(), path, query, name, image);
                status = answer.status;
                body = answer.body;
            }
        }
        ex.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private record Answer(int status, String body) {
    }

    private static Answer answer(String method, String path, String query, String revision, String image) {
        String rev = "\"revision\": \"" + revision + "\"";
        return switch (method + " " + path) {
            case "GET /health" -> new Answer(200, "detailed=true".equals(query)
                    ? "{\"status\": \"ok\", " + rev + ", \"image\": \"" + image + "\", \"firestore\": \"ok\"}"
                    : "{\"status\": \"ok\", " + rev + "}");
            case "GET /health/ready" -> new Answer(200, "{\"ready\": true, " + rev + "}");
            case "GET /api/v1/commands" -> new Answer(200, "{\"commands\": [\"step/assert/exists\"], " + rev + "}");
            case "POST /api/v1/commands/step/assert/exists" -> new Answer(200, "{\"result\": \"passed\", " + rev + "}");
            default -> new Answer(404, "{\"error\": \"not found\", " + rev + "}");
        };
    }

    /**
     * The revision for the next request: the traffic statuses' percents (LATEST resolved through
     * the latest Ready revision, as for the request metrics) shared out by smooth weighted
     * round-robin, as nginx does it: deterministic and evenly spread, so of every 100 requests
     * since the split was last changed a 10% revision answers exactly 10.
     */
    private Optional<Revision> serving() {
        Map<String, Integer> now = CloudRunEmulator.serving(cloudRun.service(serviceName));
        String pick = null;
        synchronized (current) {
            if (!now.equals(split)) {
                split = now;
                current.clear();
            }
            int total = 0;
            for (Map.Entry<String, Integer> e : split.entrySet()) {
                total += e.getValue();
                int c = current.merge(e.getKey(), e.getValue(), Integer::sum);
                if (pick == null || c > current.get(pick)) {
                    pick = e.getKey();
                }
            }
            if (pick != null) {
                current.merge(pick, -total, Integer::sum);
            }
        }
        return pick == null ? Optional.empty() : cloudRun.revision(pick);
    }

    private Optional<Revision> tagged(String tag) {
        Service s = cloudRun.service(serviceName);
        return s.getTrafficStatusesList().stream().filter(t -> t.getTag().equals(tag)).findFirst()
                .flatMap(t -> resolve(s, t));
    }

    private Optional<Revision> resolve(Service s, TrafficTargetStatus t) {
        String name = t.getType() == TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST
                ? CloudRunEmulator.shortName(s.getLatestReadyRevision()) : t.getRevision();
        return cloudRun.revision(name);
    }
}

package dev.virtuoso.rollback.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.virtuoso.rollback.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BigQuery v2 REST for the sandbox ({@code http://127.0.0.1:PORT/bigquery/v2/...}), enough for a
 * restore: datasets with a time-travel window, tables with a history of versions (so {@code t@millis}
 * in a copy job and {@code FOR SYSTEM_TIME AS OF} in a query resolve), copy jobs (COPY, SNAPSHOT,
 * RESTORE), the COUNT queries and the one DELETE+INSERT transaction the tool sends. Its sharp
 * edges are BigQuery's: a time outside the window is "Invalid snapshot time", a copy from history
 * drops the destination's partitioning and clustering, and decorators in GoogleSQL are refused.
 * Anything else it does not understand is a 400 that says so. Jobs finish after a delay.
 */
final class BigQueryEmulator {
    private static final String PREFIX = "/bigquery/v2/projects/";
    /** A GoogleSQL quoted identifier: backquotes around anything, a backslash escaping the next character. */
    private static final String QUOTED = "`(?:[^`\\\\]|\\\\.)+`";
    /** A table path of quoted identifiers, {@code `p`.`d`.`t`} or {@code `d`.`t`} (a space may follow each dot). */
    private static final String PATH = "(" + QUOTED + "(?:\\.\\s*" + QUOTED + "){1,2})";
    private static final Pattern COUNT = statement("SELECT COUNT(*) FROM " + PATH
            + "(?: FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS\\((-?\\d+)\\))?;?");
    private static final Pattern TRANSACTION = statement("BEGIN TRANSACTION; DELETE FROM " + PATH + " WHERE TRUE; "
            + "INSERT INTO " + PATH + " SELECT * FROM " + PATH + " FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS\\((-?\\d+)\\); "
            + "COMMIT TRANSACTION;?");
    /**
     * A table name as BigQuery takes it: Unicode letters, marks, numbers, connectors (_), dashes and
     * spaces, at most 1024 bytes in UTF-8. A job id: ASCII letters, digits, _ and -, at most 1024.
     */
    private static final Pattern TABLE_ID = Pattern.compile("[\\p{L}\\p{M}\\p{N}\\p{Pc}\\p{Pd}\\p{Zs}]+");
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,1024}");

    /**
     * A statement's pattern from its text: keywords in any case, any whitespace where it has a space
     * (and none needed after ';'), literal parentheses and stars; quoted names keep theirs.
     */
    private static Pattern statement(String template) {
        String p = template.replace("COUNT(*)", "COUNT\\(\\*\\)").replace("SELECT *", "SELECT \\*")
                .replace("; ", ";\\s*").replace(" ", "\\s+");
        return Pattern.compile("\\s*" + p + "\\s*", Pattern.CASE_INSENSITIVE);
    }

    /** One state of a table's rows, from {@code since} on. */
    record Version(Instant since, List<String> rows) {
    }

    /** A table: its metadata now and the history of its rows (oldest first). */
    static final class Table {
        final String project;
        final String dataset;
        final String name;
        final Instant created;
        String type = "TABLE";
        String partitionField;
        List<String> clusteringFields = List.of();
        /** Queries and DML on it need a filter on the partitioning column (the table option require_partition_filter). */
        boolean requirePartitionFilter;
        String baseTable;
        Instant snapshotTime;
        final List<Version> history = new ArrayList<>();

        Table(String project, String dataset, String name, Instant created) {
            this.project = project;
            this.dataset = dataset;
            this.name = name;
            this.created = created;
        }

        List<String> rows() {
            return history.get(history.size() - 1).rows();
        }

        String id() {
            return project + ":" + dataset + "." + name;
        }
    }

    /** {@code explicit} false: the dataset was created without maxTimeTravelHours, which BigQuery then leaves unset. */
    private record Dataset(String project, String name, long maxTimeTravelHours, Instant created, boolean explicit,
                           String location, Long tableExpirationMs) {
    }

    /** Multi-region locations: a job there is found without naming its location. */
    private static final java.util.Set<String> MULTI_REGIONS = java.util.Set.of("US", "EU");

    private static final long DEFAULT_WINDOW_HOURS = 168;

    private static final class Job {
        final String project;
        final String id;
        final JsonNode configuration;
        final Instant created;
        final Instant doneAt;
        final Runnable effect;
        String location = "US";
        final String error;
        Long count;
        boolean done;

        Job(String project, String id, JsonNode configuration, Instant created, Instant doneAt, Runnable effect,
            String error) {
            this.project = project;
            this.id = id;
            this.configuration = configuration;
            this.created = created;
            this.doneAt = doneAt;
            this.effect = effect;
            this.error = error;
        }
    }

    /** A request the API refuses: its HTTP status, reason and message. */
    private static final class ApiError extends RuntimeException {
        final int status;
        final String reason;

        ApiError(int status, String reason, String message) {
            super(message);
            this.status = status;
            this.reason = reason;
        }
    }

    private final Clock clock;
    private volatile Duration jobDelay;
    private final Map<String, Dataset> datasets = new LinkedHashMap<>();
    private final Map<String, Table> tables = new LinkedHashMap<>();
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final AtomicInteger mutatingCalls = new AtomicInteger();
    private final Map<String, String> rejected = new LinkedHashMap<>();
    private final Map<String, String> failing = new LinkedHashMap<>();
    private final Map<String, Runnable> after = new LinkedHashMap<>();
    private final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> statements = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService pool;

    BigQueryEmulator(Clock clock, Duration jobDelay) {
        this.clock = clock;
        this.jobDelay = jobDelay;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the BigQuery emulator: " + e.getMessage(), e);
        }
        pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sandbox-bigquery");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    int mutatingCalls() {
        return mutatingCalls.get();
    }

    /** Every request as "METHOD path", oldest first (what the client really sends). */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** Every GoogleSQL text received (query jobs and jobs.query), oldest first, as sent. */
    List<String> statements() {
        return List.copyOf(statements);
    }

    /** Jobs whose id contains {@code idPart} are refused at insert (400): never created. */
    synchronized void rejectJobs(String idPart, String message) {
        rejected.put(idPart, message);
    }

    /** Jobs whose id contains {@code idPart} are created and then fail with {@code message}. */
    synchronized void failJobs(String idPart, String message) {
        failing.put(idPart, message);
    }

    /** When a job whose id contains {@code idPart} finishes, {@code then} runs (another actor writing). */
    synchronized void afterJob(String idPart, Runnable then) {
        after.put(idPart, then);
    }

    void setJobDelay(Duration d) {
        jobDelay = d;
    }

    /** Jobs still waiting out the delay finish now. */
    synchronized void completeJobsNow() {
        for (Job j : jobs.values()) {
            finish(j);
        }
    }

    // --- seeding and test views -------------------------------------------------------------------

    synchronized void dataset(String project, String name, long maxTimeTravelHours, Instant created) {
        datasets.put(project + "." + name, new Dataset(project, name, maxTimeTravelHours <= 0 ? DEFAULT_WINDOW_HOURS
                : maxTimeTravelHours, created, maxTimeTravelHours > 0, "US", null));
    }

    /** The dataset lives in {@code location} (a region such as europe-west1, or US, EU). */
    synchronized void location(String project, String name, String location) {
        Dataset d = datasets.get(project + "." + name);
        datasets.put(project + "." + name, new Dataset(d.project(), d.name(), d.maxTimeTravelHours(), d.created(),
                d.explicit(), location, d.tableExpirationMs()));
    }

    /** New tables of the dataset expire after {@code ms} (its defaultTableExpirationMs). */
    synchronized void tableExpiration(String project, String name, long ms) {
        Dataset d = datasets.get(project + "." + name);
        datasets.put(project + "." + name, new Dataset(d.project(), d.name(), d.maxTimeTravelHours(), d.created(),
                d.explicit(), d.location(), ms));
    }

    /** A table created at {@code created} with {@code rows}; later versions come from {@link #change}. */
    synchronized Table table(String project, String dataset, String name, Instant created, List<String> rows) {
        Table t = new Table(project, dataset, name, created);
        t.history.add(new Version(created, List.copyOf(rows)));
        tables.put(project + "." + dataset + "." + name, t);
        return t;
    }

    /** Someone wrote to the table at {@code at} (seeding history, or a test's other actor). */
    synchronized void change(String project, String dataset, String name, Instant at, List<String> rows) {
        Table t = existing(project + "." + dataset + "." + name);
        t.history.add(new Version(at, List.copyOf(rows)));
    }

    /** A table like {@code from} (its layout and the history of its rows) named {@code to}, maybe in another project. */
    synchronized void copyTable(String project, String dataset, String from, String toProject, String to) {
        Table source = existing(project + "." + dataset + "." + from);
        Table copy = new Table(toProject, dataset, to, source.created);
        copy.partitionField = source.partitionField;
        copy.clusteringFields = source.clusteringFields;
        copy.history.addAll(source.history);
        tables.put(toProject + "." + dataset + "." + to, copy);
    }

    synchronized List<String> tableNames(String project, String dataset) {
        settle();
        return tables.values().stream().filter(t -> t.project.equals(project) && t.dataset.equals(dataset))
                .map(t -> t.name).toList();
    }

    synchronized Table view(String project, String dataset, String name) {
        settle();
        return tables.get(project + "." + dataset + "." + name);
    }

    // --- HTTP ---------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        requests.add(method + " " + path);
        int status = 200;
        JsonNode answer;
        try {
            byte[] body;
            // The Java client gzips every request body (Content-Encoding: gzip).
            boolean gzip = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"));
            try (InputStream in = gzip ? new java.util.zip.GZIPInputStream(ex.getRequestBody()) : ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            answer = route(method, path, query == null ? "" : query, body.length == 0 ? null : Json.mapper().readTree(body));
            if (answer == null) {
                status = 204;
            }
        } catch (ApiError e) {
            status = e.status;
            answer = error(e.status, e.reason, e.getMessage());
        } catch (IOException | RuntimeException e) {
            status = 400;
            answer = error(400, "invalid", "the sandbox's BigQuery could not read the request: " + e.getMessage());
        }
        byte[] bytes = answer == null ? new byte[0] : Json.mapper().writeValueAsBytes(answer);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static ObjectNode error(int code, String reason, String message) {
        ObjectNode e = Json.mapper().createObjectNode();
        ObjectNode inner = e.putObject("error").put("code", code).put("message", message);
        inner.putArray("errors").addObject().put("reason", reason).put("message", message).put("domain", "global");
        inner.put("status", switch (code) {
            case 404 -> "NOT_FOUND";
            case 409 -> "ALREADY_EXISTS";
            default -> "INVALID_ARGUMENT";
        });
        return e;
    }

    private synchronized JsonNode route(String method, String path, String query, JsonNode body) {
        settle();
        if (!path.startsWith(PREFIX)) {
            throw new ApiError(404, "notFound", "the sandbox's BigQuery serves only " + PREFIX + "...: " + path);
        }
        String[] p = path.substring(PREFIX.length()).split("/");
        String project = p[0];
        if (p.length == 3 && p[1].equals("datasets") && method.equals("GET")) {
            return datasetJson(project, p[2]);
        }
        if (p.length == 5 && p[1].equals("datasets") && p[3].equals("tables")) {
            String key = project + "." + p[2] + "." + p[4];
            if (method.equals("GET")) {
                return tableJson(existing(key));
            }
            if (method.equals("DELETE")) {
                existing(key);
                mutatingCalls.incrementAndGet();
                tables.remove(key);
                return null;
            }
        }
        if (p.length == 2 && p[1].equals("jobs") && method.equals("POST")) {
            return insertJob(project, body);
        }
        if (p.length == 3 && p[1].equals("jobs") && method.equals("GET")) {
            // As BigQuery: a job in a single region is found only when the request names its location.
            Job j = job(project, p[2]);
            if (!MULTI_REGIONS.contains(j.location) && !query.contains("location=" + j.location)) {
                throw new ApiError(404, "notFound", "Not found: Job " + project + ":" + p[2]);
            }
            return jobJson(j);
        }
        if (p.length == 3 && p[1].equals("queries") && method.equals("GET")) {
            return queryResults(job(project, p[2]));
        }
        if (p.length == 2 && p[1].equals("queries") && method.equals("POST")) {
            return fastQuery(project, body);
        }
        throw new ApiError(400, "invalid", "the sandbox's BigQuery does not emulate " + method + " " + path);
    }

    private Job job(String project, String id) {
        Job j = jobs.get(project + ":" + id);
        if (j == null) {
            throw new ApiError(404, "notFound", "Not found: Job " + project + ":" + id);
        }
        return j;
    }

    private Table existing(String key) {
        Table t = tables.get(key);
        if (t == null) {
            String[] k = parts(key);
            if (!datasets.containsKey(k[0] + "." + k[1])) {
                throw new ApiError(404, "notFound", "Not found: Dataset " + k[0] + ":" + k[1]);
            }
            throw new ApiError(404, "notFound", "Not found: Table " + k[0] + ":" + k[1] + "." + k[2]);
        }
        return t;
    }

    private JsonNode datasetJson(String project, String name) {
        Dataset d = datasets.get(project + "." + name);
        if (d == null) {
            throw new ApiError(404, "notFound", "Not found: Dataset " + project + ":" + name);
        }
        ObjectNode n = Json.mapper().createObjectNode().put("kind", "bigquery#dataset").put("id", project + ":" + name)
                .put("location", d.location()).put("creationTime", Long.toString(d.created().toEpochMilli()));
        if (d.explicit()) {
            n.put("maxTimeTravelHours", Long.toString(d.maxTimeTravelHours()));
        }
        if (d.tableExpirationMs() != null) {
            n.put("defaultTableExpirationMs", Long.toString(d.tableExpirationMs()));
        }
        n.putObject("datasetReference").put("projectId", project).put("datasetId", name);
        return n;
    }

    private JsonNode tableJson(Table t) {
        ObjectNode n = Json.mapper().createObjectNode().put("kind", "bigquery#table").put("id", t.id()).put("type", t.type)
                .put("location", datasets.get(t.project + "." + t.dataset).location())
                .put("creationTime", Long.toString(t.created.toEpochMilli()))
                .put("lastModifiedTime", Long.toString(t.history.get(t.history.size() - 1).since().toEpochMilli()))
                .put("numRows", Integer.toString(t.rows().size()));
        n.putObject("tableReference").put("projectId", t.project).put("datasetId", t.dataset).put("tableId", t.name);
        ArrayNode fields = n.putObject("schema").putArray("fields");
        fields.addObject().put("name", "id").put("type", "STRING");
        fields.addObject().put("name", "executed_at").put("type", "TIMESTAMP");
        if (t.partitionField != null) {
            n.putObject("timePartitioning").put("type", "DAY").put("field", t.partitionField);
        }
        if (t.requirePartitionFilter) {
            n.put("requirePartitionFilter", true);
        }
        if (!t.clusteringFields.isEmpty()) {
            ArrayNode c = n.putObject("clustering").putArray("fields");
            t.clusteringFields.forEach(c::add);
        }
        if (t.baseTable != null) {
            String[] b = parts(t.baseTable);
            ObjectNode s = n.putObject("snapshotDefinition");
            s.putObject("baseTableReference").put("projectId", b[0]).put("datasetId", b[1]).put("tableId", b[2]);
            s.put("snapshotTime", t.snapshotTime.toString());
        }
        return n;
    }

    // --- jobs ---------------------------------------------------------------------------------------

    private JsonNode insertJob(String project, JsonNode body) {
        JsonNode ref = body.path("jobReference");
        String id = ref.path("jobId").asText("");
        if (id.isEmpty()) {
            id = "job_" + UUID.randomUUID().toString().replace("-", "");
        }
        if (!JOB_ID.matcher(id).matches()) {
            throw new ApiError(400, "invalid", "Invalid job ID \"" + id + "\". Job IDs must be alphanumeric (plus "
                    + "underscores and dashes) and must be at most 1024 characters long.");
        }
        if (jobs.containsKey(project + ":" + id)) {
            throw new ApiError(409, "duplicate", "Already Exists: Job " + project + ":US." + id);
        }
        for (var r : rejected.entrySet()) {
            if (id.contains(r.getKey())) {
                throw new ApiError(400, "invalid", r.getValue());
            }
        }
        JsonNode config = body.path("configuration");
        Instant now = clock.instant();
        Runnable effect = null;
        String error = null;
        boolean writes;
        try {
            if (config.has("copy")) {
                writes = true;
                effect = copy(project, config.get("copy"), now);
            } else if (config.has("query")) {
                Statement s = parse(project, config.get("query").path("query").asText(""), now);
                writes = s.writes();
                effect = s.effect();
                Job j = register(project, id, config, now, effect, null, writes);
                j.count = s.count();
                return jobJson(j);
            } else {
                throw new ApiError(400, "invalid", "the sandbox's BigQuery runs only copy and query jobs");
            }
        } catch (ApiError e) {
            if (e.status != 400) {
                throw e;
            }
            // BigQuery takes the job and fails it: the error is the job's errorResult.
            writes = config.has("copy") || !config.path("query").path("query").asText("").toUpperCase(Locale.ROOT)
                    .startsWith("SELECT");
            error = e.getMessage();
        }
        return jobJson(register(project, id, config, now, effect, error, writes));
    }

    private Job register(String project, String id, JsonNode config, Instant now, Runnable effect, String error,
                         boolean writes) {
        if (writes) {
            mutatingCalls.incrementAndGet();
        }
        for (var f : failing.entrySet()) {
            if (id.contains(f.getKey()) && error == null) {
                error = f.getValue();
            }
        }
        Job j = new Job(project, id, config, now, error != null ? now : now.plus(jobDelay), effect, error);
        j.location = location(project, config);
        jobs.put(project + ":" + id, j);
        settle();
        return j;
    }

    /** Where a job runs: where the dataset it writes (a copy) or names first (a query) lives. */
    private String location(String project, JsonNode config) {
        String dataset = config.path("copy").path("destinationTable").path("datasetId").asText("");
        if (dataset.isEmpty()) {
            Matcher m = Pattern.compile(PATH).matcher(config.path("query").path("query").asText(""));
            dataset = m.find() ? parts(key(project, m.group(1)))[1] : "";
        }
        Dataset d = datasets.get(project + "." + dataset);
        return d == null ? "US" : d.location();
    }

    /** Jobs whose time has come are done: their effect happens now (at the sandbox's time). */
    private void settle() {
        Instant now = clock.instant();
        for (Job j : jobs.values()) {
            if (!j.done && !j.doneAt.isAfter(now)) {
                finish(j);
            }
        }
    }

    private void finish(Job j) {
        if (j.done) {
            return;
        }
        j.done = true;
        if (j.error == null && j.effect != null) {
            j.effect.run();
        }
        after.entrySet().stream().filter(a -> j.id.contains(a.getKey())).forEach(a -> a.getValue().run());
    }

    private JsonNode jobJson(Job j) {
        ObjectNode n = Json.mapper().createObjectNode().put("kind", "bigquery#job").put("id", j.project + ":" + j.location + "." + j.id);
        n.putObject("jobReference").put("projectId", j.project).put("jobId", j.id).put("location", j.location);
        n.set("configuration", j.configuration);
        ObjectNode status = n.putObject("status").put("state", j.done ? "DONE" : "RUNNING");
        if (j.done && j.error != null) {
            status.putObject("errorResult").put("reason", "invalid").put("message", j.error);
            status.putArray("errors").addObject().put("reason", "invalid").put("message", j.error);
        }
        ObjectNode stats = n.putObject("statistics").put("creationTime", Long.toString(j.created.toEpochMilli()))
                .put("startTime", Long.toString(j.created.toEpochMilli()));
        if (j.done) {
            stats.put("endTime", Long.toString(j.doneAt.toEpochMilli()));
        }
        stats.putObject(j.configuration.has("copy") ? "copy" : "query");
        return n;
    }

    private JsonNode queryResults(Job j) {
        ObjectNode n = Json.mapper().createObjectNode().put("kind", "bigquery#getQueryResultsResponse")
                .put("jobComplete", j.done);
        n.putObject("jobReference").put("projectId", j.project).put("jobId", j.id).put("location", j.location);
        if (j.done && j.error != null) {
            throw new ApiError(400, "invalid", j.error);
        }
        if (j.done) {
            rows(n, j.count);
        }
        return n;
    }

    private static void rows(ObjectNode n, Long count) {
        if (count == null) {
            n.putObject("schema").putArray("fields");
            n.put("totalRows", "0");
            n.putArray("rows");
            return;
        }
        n.putObject("schema").putArray("fields").addObject().put("name", "f0_").put("type", "INTEGER")
                .put("mode", "NULLABLE");
        n.put("totalRows", "1");
        n.putArray("rows").addObject().putArray("f").addObject().put("v", Long.toString(count));
    }

    /** {@code POST .../queries}: the client's fast path; a statement that finishes at once answers with its rows. */
    private JsonNode fastQuery(String project, JsonNode body) {
        Instant now = clock.instant();
        Statement s = parse(project, body.path("query").asText(""), now);
        if (body.path("useLegacySql").asBoolean(false)) {
            throw new ApiError(400, "invalid", "the sandbox's BigQuery speaks only GoogleSQL (useLegacySql=false)");
        }
        String id = "job_" + UUID.randomUUID().toString().replace("-", "");
        ObjectNode config = Json.mapper().createObjectNode();
        config.putObject("query").put("query", body.path("query").asText("")).put("useLegacySql", false);
        Job j = register(project, id, config, now, s.effect(), null, s.writes());
        j.count = s.count();
        // BigQuery holds a jobs.query answer up to timeoutMs (10 s) for the job to finish; the statements
        // emulated here all finish within it. (Answered jobComplete=false, the client falls back to
        // jobs.get, getQueryResults and tabledata.list of the job's destination table, sleeping between.)
        finish(j);
        if (j.done) {
            ObjectNode n = Json.mapper().createObjectNode().put("kind", "bigquery#queryResponse").put("jobComplete", true);
            n.putObject("jobReference").put("projectId", project).put("jobId", id).put("location", j.location);
            rows(n, j.count);
            return n;
        }
        ObjectNode n = Json.mapper().createObjectNode().put("kind", "bigquery#queryResponse").put("jobComplete", false);
        n.putObject("jobReference").put("projectId", project).put("jobId", id).put("location", j.location);
        return n;
    }

    /** A statement understood: its result (a count) or its effect when the job finishes. */
    private record Statement(Long count, Runnable effect, boolean writes) {
    }

    private Statement parse(String project, String sql, Instant now) {
        statements.add(sql);
        String q = sql.strip();
        if (q.matches("(?s).*`[^`]*@-?\\d+[^`]*`.*") || q.matches("(?s).*[A-Za-z0-9_]@-?\\d+.*")) {
            // Decorators exist only in copy jobs and legacy SQL.
            throw new ApiError(400, "invalidQuery", "Syntax error: table decorators (t@millis) are not supported in "
                    + "GoogleSQL; use FOR SYSTEM_TIME AS OF at [1:" + (q.indexOf('@') + 1) + "]");
        }
        Matcher m = COUNT.matcher(q);
        if (m.matches()) {
            Table t = existing(key(project, m.group(1)));
            List<String> rows = m.group(2) == null ? t.rows() : at(t, Instant.ofEpochMilli(Long.parseLong(m.group(2))),
                    now, t.id() + " FOR SYSTEM_TIME AS OF").rows();
            return new Statement((long) rows.size(), null, false);
        }
        m = TRANSACTION.matcher(q);
        if (m.matches()) {
            String target = key(project, m.group(1));
            if (!target.equals(key(project, m.group(2)))) {
                throw new ApiError(400, "invalidQuery", "the sandbox's BigQuery runs the restore transaction only "
                        + "when DELETE and INSERT name the same table");
            }
            Table dest = existing(target);
            Table source = existing(key(project, m.group(3)));
            List<String> rows = at(source, Instant.ofEpochMilli(Long.parseLong(m.group(4))), now,
                    source.id() + " FOR SYSTEM_TIME AS OF").rows();
            // DML keeps the table: its partitioning and clustering stay.
            return new Statement(null, () -> dest.history.add(new Version(clock.instant(), rows)), true);
        }
        throw new ApiError(400, "invalidQuery", "the sandbox's BigQuery understands only SELECT COUNT(*) FROM `p`.`d`.`t` "
                + "[FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(x)] and the restore transaction (BEGIN TRANSACTION; DELETE "
                + "... WHERE TRUE; INSERT ... SELECT * ... FOR SYSTEM_TIME AS OF ...; COMMIT TRANSACTION;), each name "
                + "a quoted identifier, not: " + q);
    }

    /**
     * The table a quoted path names, as a key: each identifier unescaped; the project is the query's
     * when the path has two parts. A path quoted in one piece is not emulated: the tool quotes each part.
     */
    private static String key(String project, String path) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile(QUOTED).matcher(path);
        while (m.find()) {
            String quoted = m.group();
            names.add(quoted.substring(1, quoted.length() - 1).replaceAll("\\\\(.)", "$1"));
        }
        if (names.size() == 2) {
            names.add(0, project);
        }
        checkTableId(names.get(2));
        return String.join(".", names);
    }

    /** {@code project.dataset.table} split from the right: a domain-scoped project (example.com:p) holds a dot. */
    private static String[] parts(String key) {
        int t = key.lastIndexOf('.');
        int d = key.lastIndexOf('.', t - 1);
        return new String[] {key.substring(0, d), key.substring(d + 1, t), key.substring(t + 1)};
    }

    /** BigQuery's refusal of a table name it does not allow. */
    private static void checkTableId(String name) {
        if (!TABLE_ID.matcher(name).matches() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1024) {
            throw new ApiError(400, "invalid", "Invalid table ID \"" + name + "\". Table IDs must be alphanumeric "
                    + "(plus underscores, dashes, spaces and other Unicode letters, marks and numbers) and at most "
                    + "1024 bytes long.");
        }
    }

    /** The table's rows at {@code at}: inside its dataset's time-travel window and not before it existed. */
    private Version at(Table t, Instant at, Instant now, String what) {
        Dataset d = datasets.get(t.project + "." + t.dataset);
        Instant oldest = now.minus(Duration.ofHours(d.maxTimeTravelHours()));
        if (at.isAfter(now)) {
            throw new ApiError(400, "invalid", "Invalid snapshot time " + at.toEpochMilli() + " for " + what
                    + ": it is in the future");
        }
        if (at.isBefore(oldest)) {
            throw new ApiError(400, "invalid", "Invalid snapshot time " + at.toEpochMilli() + " for " + what
                    + ": Cannot read before " + oldest.toEpochMilli() + " (the dataset's time travel window is "
                    + d.maxTimeTravelHours() + " hours)");
        }
        if (at.isBefore(t.created)) {
            throw new ApiError(400, "invalid", "Invalid snapshot time " + at.toEpochMilli() + " for " + what
                    + ": Table " + t.id() + " did not exist then (created " + t.created.toEpochMilli() + ")");
        }
        Version found = t.history.get(0);
        for (Version v : t.history) {
            if (!v.since().isAfter(at)) {
                found = v;
            }
        }
        return found;
    }

    private static String ref(JsonNode r) {
        return r.path("projectId").asText() + "." + r.path("datasetId").asText() + "." + r.path("tableId").asText();
    }

    /** A copy job: its source (maybe {@code t@millis}) resolved now, its destination written when it finishes. */
    private Runnable copy(String project, JsonNode copy, Instant now) {
        JsonNode src = copy.has("sourceTable") ? copy.get("sourceTable") : copy.path("sourceTables").path(0);
        if (src.isMissingNode()) {
            throw new ApiError(400, "invalid", "a copy job needs a source table");
        }
        String op = copy.path("operationType").asText("COPY");
        String disposition = copy.path("writeDisposition").asText("WRITE_EMPTY");
        String sourceName = src.path("tableId").asText();
        Instant decorator = null;
        int at = sourceName.indexOf('@');
        if (at >= 0) {
            decorator = Instant.ofEpochMilli(Long.parseLong(sourceName.substring(at + 1)));
            sourceName = sourceName.substring(0, at);
        }
        Table source = existing(src.path("projectId").asText() + "." + src.path("datasetId").asText() + "."
                + sourceName);
        checkTableId(copy.path("destinationTable").path("tableId").asText());
        String destKey = ref(copy.path("destinationTable"));
        Table existingDest = tables.get(destKey);
        if (!datasets.containsKey(destKey.substring(0, destKey.lastIndexOf('.')))) {
            throw new ApiError(404, "notFound", "Not found: Dataset " + destKey.substring(0, destKey.lastIndexOf('.')));
        }
        List<String> rows = decorator == null ? source.rows() : at(source, decorator, now, source.id() + "@"
                + decorator.toEpochMilli()).rows();
        switch (op) {
            case "SNAPSHOT" -> {
                if (existingDest != null) {
                    throw new ApiError(400, "invalid", "Already Exists: Table " + destKey + " (a snapshot needs a new "
                            + "table)");
                }
                if (!source.type.equals("TABLE")) {
                    throw new ApiError(400, "invalid", "a snapshot's source must be a table: " + source.id());
                }
            }
            case "RESTORE" -> {
                if (!source.type.equals("SNAPSHOT")) {
                    throw new ApiError(400, "invalid", "operationType RESTORE needs a table snapshot as source, and "
                            + source.id() + " is a " + source.type);
                }
            }
            case "COPY" -> {
                if (!source.type.equals("TABLE")) {
                    throw new ApiError(400, "invalid", "a COPY's source must be a table: " + source.id() + " is a "
                            + source.type + " (restore a snapshot with operationType RESTORE)");
                }
            }
            default -> throw new ApiError(400, "invalid", "unknown operationType " + op);
        }
        if (existingDest != null && !op.equals("SNAPSHOT")) {
            if (disposition.equals("WRITE_EMPTY") && !existingDest.rows().isEmpty()) {
                throw new ApiError(400, "invalid", "Already Exists: Table " + destKey);
            }
            if (disposition.equals("WRITE_APPEND")) {
                throw new ApiError(400, "invalid", "the sandbox's BigQuery copies only with WRITE_TRUNCATE or WRITE_EMPTY");
            }
        }
        Instant snapshotAt = decorator != null ? decorator : now;
        boolean fromHistory = decorator != null;
        String finalOp = op;
        return () -> {
            Instant done = clock.instant();
            String[] d = parts(destKey);
            Table dest = tables.get(destKey);
            if (dest == null || finalOp.equals("SNAPSHOT")) {
                dest = new Table(d[0], d[1], d[2], done);
                tables.put(destKey, dest);
            }
            dest.history.add(new Version(done, rows));
            if (finalOp.equals("SNAPSHOT")) {
                dest.type = "SNAPSHOT";
                dest.baseTable = source.project + "." + source.dataset + "." + source.name;
                dest.snapshotTime = snapshotAt;
            } else {
                dest.type = "TABLE";
            }
            if (fromHistory) {
                // A copy from history does not carry partitioning (nor clustering, tags).
                dest.partitionField = null;
                dest.clusteringFields = List.of();
            } else {
                dest.partitionField = source.partitionField;
                dest.clusteringFields = source.clusteringFields;
            }
        };
    }
}

package dev.virtuoso.rollback.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.virtuoso.rollback.cli.command.RespondCommand;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.respond.Notification;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `respond --serve`: Cloud Run's front for a Pub/Sub push subscription (or a webhook channel). Each
 * POST body runs the very command line this server was started with, as `respond --yes` reading the
 * body, and its exit code becomes the answer Pub/Sub acts on: 2xx acknowledges the message (it was
 * handled: acted on, skipped, closed, a duplicate; or it is no notification at all, which no
 * redelivery would mend), 5xx has it delivered again later (a cloud API failure, a colleague's lock,
 * a runbook that cannot be read now, a bug). GET answers
 * {@code ok}, for health checks.
 *
 * <p>Each request has adapters of its own, closed before it is answered: its notifications are sent,
 * its locks given back, and journal records an earlier failure kept locally are uploaded (or the
 * answer is 503, so the message is delivered again to upload them). Building the clients costs tens of
 * milliseconds a message, nothing next to a rollback.
 *
 * <p>One request at a time (one thread runs them in turn): with the local journal
 * there is no lock, and two deliveries of one message handled at once in this process would both
 * find the incident unanswered. Alerts are rare, so nothing waits long.
 */
public final class RespondServer {
    /** Larger than any incident notification; a body past it is not one, and is acknowledged as malformed. */
    static final int MAX_BODY = 1 << 20;
    /** Under the 10 seconds Cloud Run waits between SIGTERM and SIGKILL, leaving time to answer and exit. */
    static final Duration CLOUD_RUN_GRACE = Duration.ofSeconds(8);

    private RespondServer() {
    }

    /**
     * Serves until interrupted (Ctrl-C) or the JVM stops (SIGTERM); {@code event} must not be given.
     * {@code listen}: the address to listen on; when not given, every interface on Cloud Run (where
     * K_SERVICE is set, and only Google's front end reaches the container), else 127.0.0.1 only, since
     * the server asks no one who they are.
     */
    public static int serve(CommandSpec spec, String event, String listen) {
        if (event != null) {
            throw RunbookException.invalid("--serve reads each notification from a request: --event does not go with it");
        }
        RootCommand root = (RootCommand) spec.root().userObject();
        Session s = root.session();
        s.target(); // a broken runbook or target is exit 2 now, not a 200 for every message
        s.checkIncidentRecord(); // likewise a --incident-dir that cannot be written
        String portText = s.ctx.env().getOrDefault("PORT", "8080");
        int port;
        try {
            port = Integer.parseInt(portText.strip());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw RunbookException.invalid("$PORT must be a port number, not '" + portText + "'");
        }
        List<String> args = commandLine(spec.root().commandLine().getParseResult().originalArgs(),
                line -> Cli.commandLine(s.ctx, root.wiring).parseArgs(line));
        String host = host(listen, s.ctx.env());
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 16);
        } catch (IOException e) {
            throw RunbookException.invalid("cannot listen on " + host + " port " + port + ": " + e.getMessage());
        }
        PrintWriter log = s.ctx.err();
        // One thread handles the requests, one at a time, so a stop knows which one to interrupt.
        ExecutorService handling = Executors.newSingleThreadExecutor(r -> new Thread(r, "respond-request"));
        server.setExecutor(handling);
        Running running = new Running();
        server.createContext("/", exchange -> handle(exchange, s.ctx, root.wiring, args, log, running));
        CountDownLatch stopped = new CountDownLatch(1);
        Duration grace = grace(s.ctx.env());
        Thread hook = new Thread(() -> {
            stop(server, handling, running, grace);
            stopped.countDown();
        }, "respond-server-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        server.start();
        log.println("respond: listening on port " + server.getAddress().getPort() + " of " + host + " (POST a "
                + "notification; GET / for health)");
        log.flush();
        try {
            stopped.await();
            return 0;
        } catch (InterruptedException e) {
            stop(server, handling, running, grace);
            log.println("respond: stopped");
            log.flush();
            return ExitCode.INTERRUPTED.code();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already stopping: the hook is running.
            }
        }
    }

    /** Where to listen: {@code listen} when given, else every interface on Cloud Run, else loopback only. */
    static String host(String listen, Map<String, String> env) {
        return listen != null ? listen.strip() : env.containsKey("K_SERVICE") ? "0.0.0.0" : "127.0.0.1";
    }

    /**
     * How long a stop waits for the message in progress: on Cloud Run ($K_SERVICE set), which kills the
     * container 10 seconds after asking it to stop, {@link #CLOUD_RUN_GRACE}, so the 503 still leaves
     * and the lock is given back; elsewhere {@link Main#GRACE}.
     */
    static Duration grace(Map<String, String> env) {
        return env.containsKey("K_SERVICE") ? CLOUD_RUN_GRACE : Main.GRACE;
    }

    /**
     * Interrupts the message in progress, if its command is still running, and waits up to {@code grace}
     * for it to stop the way every command stops (reading and journaling what is true, giving back its
     * lock, answering 503), then stops listening; only then are the server's own adapters closed. Only
     * the command is interrupted: once it has returned, the request's adapters are closing (Slack posts
     * draining, the lock given back) and its answer is being sent, which an interrupt would cut short.
     * The JDK server's own stop delay is not used: it may wait out the whole delay even when nothing is
     * in progress.
     */
    private static void stop(HttpServer server, ExecutorService handling, Running running, Duration grace) {
        handling.shutdown();
        running.interrupt();
        try {
            handling.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
    }

    /** The request thread while it is inside the command, the only time a stop may interrupt it. */
    private static final class Running {
        private Thread thread;

        synchronized void enter() {
            thread = Thread.currentThread();
        }

        /** Clears an interrupt the command left, under the same lock, so that none can land after it. */
        synchronized void leave() {
            thread = null;
            Thread.interrupted();
        }

        synchronized void interrupt() {
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    /**
     * This server's own command line, as one `respond --yes` run that reads its notification from stdin:
     * without the options only a server takes ({@code --serve}, {@code --listen ADDR}), which the command
     * refuses without {@code --serve}, and with {@code --yes} added only when the line lacks it (given
     * twice, picocli refuses the line). {@code parse} parses a line as the command tree does; the line is
     * checked here as each message's command would check it, so that a line every message would be
     * refused for is refused once, at startup, rather than answered 500 for every message forever.
     */
    static List<String> commandLine(List<String> original, Function<String[], CommandLine.ParseResult> parse) {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < original.size(); i++) {
            String a = original.get(i);
            if ("--listen".equals(a)) {
                i++; // its address
            } else if (!"--serve".equals(a) && !a.startsWith("--listen=")) {
                args.add(a);
            }
        }
        CommandLine.ParseResult parsed = parsed(args, parse);
        if (!yes(parsed)) {
            args.add("--yes");
            parsed = parsed(args, parse);
        }
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--serve") || p.hasMatchedOption("--listen")) {
                // Only when one was given as another option's value, which the line above cannot tell apart.
                throw RunbookException.invalid("each message would run `" + String.join(" ", args) + "`, which still "
                        + "serves: give --serve and --listen only as options of their own");
            }
            if (p.commandSpec().userObject() instanceof RespondCommand command) {
                command.check();
            }
        }
        return args;
    }

    private static CommandLine.ParseResult parsed(List<String> args, Function<String[], CommandLine.ParseResult> parse) {
        try {
            return parse.apply(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            // Every message runs this line: one that does not parse would answer each of them alike.
            throw RunbookException.invalid("each message would run `" + String.join(" ", args) + "`, which does not "
                    + "parse: " + e.getMessage());
        }
    }

    /** Whether --yes (or -y, alone or in a cluster such as -yo) was given, on the root or the command. */
    private static boolean yes(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--yes")) {
                return true;
            }
        }
        return false;
    }

    private static void handle(HttpExchange exchange, Context ctx, Wiring wiring, List<String> args, PrintWriter log,
                               Running running) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if ("GET".equals(method)) {
                reply(exchange, 200, "ok\n");
                return;
            }
            if (!"POST".equals(method)) {
                reply(exchange, 405, "POST a notification, or GET / for health\n");
                return;
            }
            byte[] body = read(exchange.getRequestBody());
            if (body == null) {
                log("respond: 200 (acknowledged, not handled): a body larger than " + MAX_BODY + " bytes is no "
                        + "notification", log);
                reply(exchange, 200, "not a notification: larger than " + MAX_BODY + " bytes\n");
                return;
            }
            String text = new String(body, StandardCharsets.UTF_8);
            try {
                Notification.parse(text, "the request body");
            } catch (RunbookException e) {
                // No redelivery would make it one: acknowledged, or Pub/Sub would deliver it again forever.
                log("respond: 200 (acknowledged, not handled) message " + messageId(text) + ": error: "
                        + e.getMessage(), log);
                reply(exchange, 200, "error: " + e.getMessage() + "\n");
                return;
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Context one = new Context(ctx.env(), new BufferedReader(new StringReader(text)), new PrintWriter(out, true),
                    new PrintWriter(err, true), false, ctx.clock(), ctx.sleeper(), ctx.secrets());
            int code;
            // Closed before the answer: once Pub/Sub has it, Cloud Run may throttle this instance's CPU.
            Wiring own = wiring.forRequest(one);
            try {
                running.enter();
                code = Cli.run(one, own, args.toArray(String[]::new));
            } catch (RuntimeException e) {
                code = ExitCode.INTERNAL.code();
                one.err().println("error: " + RunbookException.of(e).getMessage());
            } finally {
                // A stop interrupted the command, which has stopped as commands do: the answer (503) is still
                // sent, which an interrupted thread could not do over the connection.
                running.leave();
                own.close();
            }
            int status = status(code);
            boolean keptLocally = own.journalKeptLocally();
            if (keptLocally && status == 200) {
                // Delivered again, the message uploads them first, then finds itself answered.
                status = 503;
                one.err().println("error: journal records are kept in this instance until Cloud Storage takes them; "
                        + "answered 503 so the message, delivered again, uploads them");
            }
            one.out().flush();
            one.err().flush();
            String said = own.reported() != null && !keptLocally ? own.reported() : errorLine(err.toString(), out.toString());
            log("respond: " + (status >= 500 ? "error: " : "") + status + " (exit " + code + ") message "
                    + messageId(text) + ": " + said, log);
            reply(exchange, status, out.toString() + err);
        }
    }

    /**
     * What Pub/Sub does with a notification once handled: acknowledged (200) when done, nothing to do,
     * or checks failed after a rollback (3: delivering it again would be a duplicate); delivered again
     * later (503) when the attempt may succeed then (4: a cloud API failure, 5: a colleague's lock or a
     * change under us, 130: stopped). Any other failure is 500, also delivered again: a bug (1), or a
     * refusal (2) of a message already known to be a notification, such as a runbook that cannot be
     * read now, which a fixed runbook answers on a later delivery rather than dropping the incident.
     */
    static int status(int exitCode) {
        ExitCode code = java.util.Arrays.stream(ExitCode.values()).filter(c -> c.code() == exitCode).findFirst()
                .orElse(ExitCode.INTERNAL);
        return switch (code) {
            case OK, VERIFICATION_FAILED -> 200;
            case API_FAILURE, CONFLICT, INTERRUPTED -> 503;
            case INTERNAL, INVALID_INPUT -> 500;
        };
    }

    /** The body, or null when it is larger than {@link #MAX_BODY}. */
    private static byte[] read(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        return body.length > MAX_BODY ? null : body;
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    /** The line that says why the command failed ({@code error: ...}), else the first it wrote. */
    private static String errorLine(String err, String out) {
        return err.lines().filter(l -> l.startsWith("error: ")).reduce((first, last) -> last)
                .orElseGet(() -> (err.isBlank() ? out : err).strip().lines().findFirst().orElse("(no output)"));
    }

    /** The Pub/Sub message's id, to find it in Pub/Sub's own records; "none" for a plain webhook body. */
    static String messageId(String body) {
        try {
            com.fasterxml.jackson.databind.JsonNode id = Json.mapper().readTree(body).path("message").path("messageId");
            return id.isTextual() && id.asText().matches("[\\x21-\\x7e]{1,100}") ? id.asText() : "none";
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            return "none";
        }
    }

    private static void log(String line, PrintWriter log) {
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }
}

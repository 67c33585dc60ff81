package dev.virtuoso.rollback.cli;

import dev.virtuoso.rollback.sandbox.Sandbox;
import dev.virtuoso.rollback.sandbox.SandboxControls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Runs command lines through the real picocli wiring against a fresh sandbox. */
final class CliHarness implements AutoCloseable {
    /** {@code terminal}: stdout and stderr as they came, interleaved, as a terminal shows them ({@link Screen}). */
    record Result(int code, String out, String err, String terminal) {
        /** Stderr without the lines naming the run's incident records, which every change ends with. */
        String errBesidesRecords() {
            return err.replaceAll("(?m)^incident record: .*\n?", "");
        }
    }

    final Sandbox sandbox;
    final SandboxControls controls;
    final Path home;
    String stdin = "";
    /** Runs when the tool first reads its input (a prompt): what a colleague does while the plan waits. */
    Runnable atPrompt = () -> { };
    /** Hears the wiring of each run before the command starts (a test plays the Ctrl-C handler with it). */
    java.util.function.Consumer<Wiring> wiringSeen = w -> { };
    boolean interactive;
    Clock clock = Clock.systemUTC();
    dev.virtuoso.rollback.port.Sleeper sleeper = d -> { };

    /** Time that moves only when the tool sleeps: long waits run at once. */
    void manualTime() {
        manualTime(java.time.ZoneOffset.UTC);
    }

    /** As {@link #manualTime()}, local times in {@code zone} (the user's TZ). */
    void manualTime(java.time.ZoneId zone) {
        Instant[] now = {Instant.now()};
        clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        sleeper = d -> now[0] = now[0].plus(d);
    }

    CliHarness() {
        this(Sandbox.Options.defaults().withOperationDelay(Duration.ofMillis(50)).withRevisionStartDelay(
                Duration.ofMillis(50)));
    }

    CliHarness(Sandbox.Options options) {
        sandbox = Sandbox.start(options);
        controls = new SandboxControls(sandbox);
        try {
            home = Files.createTempDirectory("rollback-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>(sandbox.emulatorVariables());
        env.put("API_KEY", Sandbox.API_KEY);
        env.put("ROLLBACK_HOME", home.toString());
        env.put("ROLLBACK_INCIDENT_DIR", home.resolve("incidents").toString());
        env.put("CLOUDSDK_CONFIG", home.resolve("gcloud").toString());
        env.put("HOME", home.toString());
        env.put("USER", "tester");
        return env;
    }

    Result run(String... args) {
        return run(Map.of(), args);
    }

    Result run(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = env();
        env.putAll(extraEnv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        StringWriter terminal = new StringWriter();
        Runnable prompt = atPrompt;
        java.io.Reader input = new java.io.FilterReader(new StringReader(stdin)) {
            private boolean asked;

            @Override
            public int read(char[] buf, int off, int len) throws IOException {
                if (!asked) {
                    asked = true;
                    prompt.run();
                }
                return super.read(buf, off, len);
            }
        };
        Context ctx = new Context(Map.copyOf(env), new BufferedReader(input), new PrintWriter(new Tee(out, terminal), true),
                new PrintWriter(new Tee(err, terminal), true), interactive, clock, sleeper);
        int code;
        try (Wiring wiring = new Wiring(ctx)) {
            wiringSeen.accept(wiring);
            code = Cli.run(ctx, wiring, args);
        }
        return new Result(code, out.toString(), err.toString(), terminal.toString());
    }

    /** One stream written to its own buffer and to the terminal that shows both. */
    private static final class Tee extends java.io.Writer {
        private final StringWriter own;
        private final StringWriter terminal;

        Tee(StringWriter own, StringWriter terminal) {
            this.own = own;
            this.terminal = terminal;
        }

        @Override
        public void write(char[] chars, int off, int len) {
            synchronized (terminal) {
                own.write(chars, off, len);
                terminal.write(chars, off, len);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** With the sandbox runbook, as users run it. */
    Result rb(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-r";
        all[1] = "runbooks/sandbox.yaml";
        System.arraycopy(args, 0, all, 2, args.length);
        return run(all);
    }

    /** The sandbox runbook with Slack notifications to the sandbox's webhook (env SLACK_WEBHOOK_URL). */
    Path runbookWithSlack() throws IOException {
        Path book = home.resolve("slack.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                + "notify:\n  slackWebhook: {env: SLACK_WEBHOOK_URL}\n");
        return book;
    }

    /** The sandbox runbook posting to #incidents with a bot token (env SLACK_BOT_TOKEN) through the sandbox's Web API. */
    Path runbookWithSlackBot() throws IOException {
        Path book = home.resolve("slack-bot.yaml");
        Files.writeString(book, Files.readString(Path.of("runbooks/sandbox.yaml"))
                + "notify:\n  slack: {token: {env: SLACK_BOT_TOKEN}, channel: \"#incidents\"}\n");
        return book;
    }

    static final String SLACK_BOT_TOKEN = "xoxb-2718281828-3141592653-Qw7Er6Ty5Ui4Op3As2Df1Gh0";

    Map<String, String> slackBotEnv() {
        return Map.of("SLACK_BOT_TOKEN", SLACK_BOT_TOKEN);
    }

    Map<String, String> slackEnv() {
        return Map.of("SLACK_WEBHOOK_URL", controls.webhookUrl().toString());
    }

    /** The journal's lines, each a record as JSON, oldest first. */
    java.util.List<com.fasterxml.jackson.databind.JsonNode> journal() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<com.fasterxml.jackson.databind.JsonNode> records = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(home.resolve("journal.jsonl"))) {
            records.add(json.readTree(line));
        }
        return records;
    }

    int mutations() {
        return controls.cloudRunMutations();
    }

    com.google.cloud.run.v2.Service service() {
        return controls.service();
    }

    @Override
    public void close() throws IOException {
        sandbox.close();
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

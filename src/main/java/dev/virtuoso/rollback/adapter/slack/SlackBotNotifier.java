package dev.virtuoso.rollback.adapter.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.Notifier;
import dev.virtuoso.rollback.port.Sleeper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Posts through a Slack app's bot token: the incident's first message with chat.postMessage,
 * every follow-up into its thread ({@code thread_ts} = the first message's {@code ts}), and the
 * incident's chart shared in that thread. Slack answers most failures with HTTP 200 and
 * {@code {"ok": false, "error": "not_in_channel"}}: that is a failed delivery, warned about with
 * Slack's error word, never a failed rollback. Rate limits (429) are waited out a bounded number
 * of times, as long as Retry-After says but never longer than {@link #LONGEST_WAIT}. The token is
 * sent only in the Authorization header to the API, and never appears in a warning.
 *
 * <p>Sharing a file takes three calls, since Slack retired {@code files.upload}. What surprised us:
 * <ul>
 * <li>files.getUploadURLExternal takes {@code filename} and {@code length} as form fields (its
 * reference long listed only form encoding), while files.completeUploadExternal takes
 * {@code files} as a JSON array of {@code {id, title}}: the two calls are sent differently.</li>
 * <li>The bytes go to the {@code upload_url} it returns, another host, which needs no token and
 * answers plain text, not Slack's JSON; the file is only shared by the third call.</li>
 * <li>completeUploadExternal needs the channel's ID ({@code C0123…}) where chat.postMessage
 * accepted its name: the ID is taken from chat.postMessage's answer ({@code channel}).</li>
 * <li>{@code thread_ts} must be the thread's first message, never a reply's ts; a length of 0 is
 * refused as a missing argument.</li>
 * </ul>
 */
public final class SlackBotNotifier implements Notifier, AutoCloseable {
    /** Slack's Web API; a sandbox passes its own. */
    public static final URI SLACK_API = URI.create("https://slack.com/api/");
    /** Tries of one call answered 429 (rate limited) before it is given up with a warning. */
    static final int TRIES = 3;
    /** The longest one wait for a rate limit, whatever Retry-After asks. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(20);
    /** Of a failing answer, this much is shown in the warning. */
    private static final int ANSWER = 200;

    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    private final Secret token;
    private final String channel;
    private final HttpUrl api;
    private final Secret.Registry secrets;
    private final Sleeper sleeper;
    private final SlackOutbox outbox;
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10))
            .followRedirects(false).build();

    /** The first message of a thread: where it went (the channel's ID) and its ts. */
    private record Posted(String channelId, String ts) {
    }

    /**
     * Posts to {@code channel} (a name like {@code #incidents}, or an ID) through {@code api}.
     * What is posted and warned passes through {@code secrets}, which hold the token.
     */
    public SlackBotNotifier(Secret token, String channel, URI api, Secret.Registry secrets, Sleeper sleeper,
                            Consumer<String> warn) {
        this.token = token;
        this.channel = channel;
        this.api = HttpUrl.get(api);
        this.secrets = secrets;
        this.sleeper = sleeper;
        this.outbox = new SlackOutbox(warn);
    }

    @Override
    public Incident open(String text) {
        // One thread, in order: the first post's answer (its ts) is known when a follow-up leaves.
        CompletableFuture<Posted> first = new CompletableFuture<>();
        outbox.send(() -> first.complete(postMessage(text, null)));
        String name = secrets.cut(text, 60);
        return new Incident() {
            @Override
            public void post(String followUp) {
                outbox.send(() -> {
                    Posted thread = first.getNow(null);
                    postMessage(thread == null ? "↳ (" + name + ") " + followUp : followUp, thread);
                });
            }

            @Override
            public void attach(Path file, String title) {
                outbox.send(() -> {
                    Posted thread = first.getNow(null);
                    if (thread == null || thread.channelId() == null) {
                        outbox.failed("Slack: " + file.getFileName() + " not shared: the incident's first message "
                                + "was not posted");
                    } else {
                        share(file, title, thread);
                    }
                });
            }
        };
    }

    /** Waits at most a few seconds for the posts queued so far; false when one failed or is still unsent. */
    @Override
    public boolean flush() {
        return outbox.flush();
    }

    @Override
    public void close() {
        outbox.close();
    }

    /** Returns where the message went, or null when it was not posted (warned). */
    private Posted postMessage(String text, Posted thread) {
        ObjectNode body = Json.mapper().createObjectNode().put("channel", thread == null ? channel : thread.channelId())
                .put("text", secrets.redact(text));
        if (thread != null) {
            body.put("thread_ts", thread.ts());
        }
        JsonNode answer = call("chat.postMessage", api.resolve("chat.postMessage"),
                RequestBody.create(body.toString(), JSON), true);
        return answer == null ? null : new Posted(answer.path("channel").asText(null), answer.path("ts").asText(null));
    }

    /** getUploadURLExternal → the bytes to its upload_url → completeUploadExternal in the thread. */
    private void share(Path file, String title, Posted thread) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            outbox.failed("Slack: " + file.getFileName() + " not shared: it cannot be read ("
                    + e.getClass().getSimpleName() + ")");
            return;
        }
        String filename = file.getFileName().toString();
        JsonNode ticket = call("files.getUploadURLExternal", api.resolve("files.getUploadURLExternal"),
                new FormBody.Builder().add("filename", filename).add("length", Integer.toString(bytes.length)).build(),
                true);
        if (ticket == null) {
            return;
        }
        HttpUrl upload = HttpUrl.parse(ticket.path("upload_url").asText(""));
        String id = ticket.path("file_id").asText(null);
        if (upload == null || id == null) {
            outbox.failed("Slack files.getUploadURLExternal failed: its answer has no upload_url or file_id");
            return;
        }
        // The upload URL is already signed for this one file: the token stays with the API. Being signed,
        // it is a credential of its own, kept out of any warning a failed upload prints.
        secrets.add(new dev.virtuoso.rollback.model.Secret(upload.toString()));
        if (call("upload of " + filename, upload, RequestBody.create(bytes, OCTETS), false) == null) {
            return;
        }
        ObjectNode done = Json.mapper().createObjectNode();
        done.putArray("files").addObject().put("id", id).put("title", secrets.redact(title));
        done.put("channel_id", thread.channelId()).put("thread_ts", thread.ts());
        call("files.completeUploadExternal", api.resolve("files.completeUploadExternal"),
                RequestBody.create(done.toString(), JSON), true);
    }

    /**
     * One call, tried again after a 429 as Retry-After says (bounded); returns Slack's answer
     * (an empty object for a plain-text one), or null when it failed, which is warned.
     */
    private JsonNode call(String what, HttpUrl url, RequestBody body, boolean authorized) {
        Request.Builder req = new Request.Builder().url(url).post(body);
        if (authorized) {
            req.header("Authorization", "Bearer " + token.reveal());
        }
        try {
            for (int tried = 1; ; tried++) {
                try (Response r = http.newCall(req.build()).execute()) {
                    String answer = r.body().string();
                    if (r.code() == 429) {
                        if (tried >= TRIES) {
                            outbox.failed("Slack " + what + " failed: rate limited (HTTP 429) " + tried
                                    + " times; given up");
                            return null;
                        }
                        sleeper.sleep(retryAfter(r.header("Retry-After")));
                        continue;
                    }
                    if (!r.isSuccessful()) {
                        outbox.failed("Slack " + what + " failed: HTTP " + r.code() + " " + secrets.cut(answer, ANSWER));
                        return null;
                    }
                    if (!authorized) {
                        return Json.mapper().createObjectNode();
                    }
                    JsonNode json = Json.mapper().readTree(answer);
                    if (!json.path("ok").asBoolean(false)) {
                        outbox.failed("Slack " + what + " failed: " + secrets.cut(json.path("error").asText(
                                "no \"ok\" in its answer"), ANSWER));
                        return null;
                    }
                    return json;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outbox.failed("Slack " + what + " not sent: interrupted while rate limited");
            return null;
        } catch (IOException | RuntimeException e) {
            outbox.failed("Slack " + what + " failed: " + e.getClass().getSimpleName() + " "
                    + secrets.redact(String.valueOf(e.getMessage())));
            return null;
        }
    }

    /** Retry-After in seconds (Slack sends whole seconds); one second when missing or unreadable. */
    static Duration retryAfter(String header) {
        long seconds;
        try {
            seconds = header == null ? 1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            seconds = 1;
        }
        Duration wait = Duration.ofSeconds(Math.max(0, seconds));
        return wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait;
    }
}

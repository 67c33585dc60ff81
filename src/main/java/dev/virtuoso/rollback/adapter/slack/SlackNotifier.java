package dev.virtuoso.rollback.adapter.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.Secret;
import dev.virtuoso.rollback.port.Notifier;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Posts to a Slack incoming webhook. A webhook answers a plain "ok" and no message timestamp,
 * so replies cannot be threaded under the first message; follow-ups then carry the incident's
 * name instead. Where the endpoint does return a {@code ts} (a Slack-compatible relay or
 * chat.postMessage proxy), follow-ups go into that thread. A failing webhook never fails the
 * rollback, and the URL (a secret) never appears in a warning.
 */
public final class SlackNotifier implements Notifier, AutoCloseable {
    /** Of a failing webhook's answer, this much is shown in the warning. */
    private static final int ANSWER = 200;

    private static final MediaType TYPE = MediaType.get("application/json");

    private final Secret.Registry secrets;
    private final HttpUrl url;
    private final SlackOutbox outbox;
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5))
            .followRedirects(false).build();

    /**
     * Fails, with nothing sent, when {@code webhook} is not an http(s) URL; the message does not
     * show it (the caller warns once and goes on without Slack). What is posted and warned passes
     * through {@code secrets}, which hold the webhook.
     */
    public SlackNotifier(Secret webhook, Secret.Registry secrets, Consumer<String> warn) {
        this.secrets = secrets;
        this.outbox = new SlackOutbox(warn);
        this.url = webhook.reveal() == null ? null : HttpUrl.parse(webhook.reveal());
        if (url == null) {
            throw RunbookException.invalid("notify.slackWebhook is not an http(s) URL (its value is a secret, so it "
                    + "is not shown)");
        }
    }

    @Override
    public Incident open(String text) {
        // One thread, in order: the first post's answer (its ts) is known when a follow-up leaves.
        CompletableFuture<String> ts = new CompletableFuture<>();
        outbox.send(() -> ts.complete(post(text, null)));
        String name = secrets.cut(text, 60);
        return followUp -> outbox.send(() -> {
            // Complete by now: the first post ran before on this one thread (or was never sent).
            String thread = ts.getNow(null);
            post(thread == null ? "↳ (" + name + ") " + followUp : followUp, thread);
        });
    }

    /** Waits at most a few seconds for the posts queued so far; false when one failed or is still unsent. */
    @Override
    public boolean flush() {
        return outbox.flush();
    }

    /** Waits a bounded time for posts still on their way. */
    @Override
    public void close() {
        outbox.close();
    }

    /** Returns the message timestamp when the endpoint tells it. */
    private String post(String text, String threadTs) {
        ObjectNode body = Json.mapper().createObjectNode().put("text", secrets.redact(text));
        if (threadTs != null) {
            body.put("thread_ts", threadTs);
        }
        Request req = new Request.Builder().url(url).post(RequestBody.create(body.toString(), TYPE)).build();
        try (Response r = http.newCall(req).execute()) {
            String answer = r.body().string();
            if (!r.isSuccessful()) {
                outbox.failed("Slack notification failed: HTTP " + r.code() + " " + secrets.cut(answer, ANSWER));
                return null;
            }
            if (answer.startsWith("{")) {
                JsonNode ts = Json.mapper().readTree(answer).get("ts");
                return ts == null ? null : ts.asText();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            outbox.failed("Slack notification failed: " + e.getClass().getSimpleName() + " "
                    + secrets.redact(String.valueOf(e.getMessage())));
            return null;
        }
    }
}

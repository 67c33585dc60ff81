package dev.virtuoso.rollback.cli.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtuoso.rollback.json.Json;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * What every result's renderer (StatusView, ActionView, ...) shares: the stream, text or exactly one
 * JSON document, -v, the colours, the user's time zone, and the one JSON writer.
 */
public final class Output {
    /**
     * Jackson is touched only in this nested class, loaded when the first document is written, so text
     * output, help and errors load no Jackson class. The catch of Jackson's exception lives here too: the verifier
     * loads the type of every catch clause of a class it verifies, so a catch in Output itself would
     * load Jackson for every command.
     */
    private static final class Writer {
        static String pretty(List<Document.Part> parts) {
            ObjectMapper mapper = Json.mapper();
            ObjectNode doc = mapper.createObjectNode();
            for (Document.Part p : parts) {
                if (p.name() != null) {
                    doc.set(p.name(), mapper.valueToTree(p.value()));
                } else {
                    ObjectNode fields = mapper.valueToTree(p.value());
                    fields.remove(p.except());
                    doc.setAll(fields);
                }
            }
            try {
                return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One JSON document: {@code "ok"} first, then the fields in the order they are added. */
    static final class Document {
        /** A field ({@code name}), or every field of {@code value} but {@code except} (no name). */
        private record Part(String name, Object value, List<String> except) {
        }

        private final List<Part> parts = new ArrayList<>();

        Document(boolean ok) {
            put("ok", ok);
        }

        /** {@code value} as JSON; null is written as null. */
        Document put(String name, Object value) {
            parts.add(new Part(name, value, List.of()));
            return this;
        }

        /** Each field of the record {@code value} but {@code except}, in its order. */
        Document putAll(Object value, String... except) {
            parts.add(new Part(null, value, List.of(except)));
            return this;
        }
    }

    private final PrintWriter out;
    private final boolean json;
    private final boolean verbose;
    private final Style style;
    private final Clock clock;

    /** {@code clock}: local times (history) are shown in its zone. */
    public Output(PrintWriter out, boolean json, boolean verbose, Style style, Clock clock) {
        this.out = out;
        this.json = json;
        this.verbose = verbose;
        this.style = style;
        this.clock = clock;
    }

    public boolean json() {
        return json;
    }

    boolean verbose() {
        return verbose;
    }

    Style style() {
        return style;
    }

    ZoneId zone() {
        return clock.getZone();
    }

    /** Where text results go (stdout). */
    PrintWriter out() {
        return out;
    }

    /** Any result record as {@code {"ok": ..., <its fields>}}. */
    public int document(boolean ok, Object result, int code) {
        return print(new Document(ok).putAll(result), code);
    }

    public void error(String message) {
        if (json) {
            print(new Document(false).put("error", message), 0);
        }
    }

    /** Writes {@code doc}; returns {@code code}. */
    int print(Document doc, int code) {
        out.println(Writer.pretty(doc.parts));
        out.flush();
        return code;
    }
}

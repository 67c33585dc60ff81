package dev.virtuoso.rollback.cli.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A command run on several regions: each region's own output, then a table of them all (text), or
 * one document {@code {"ok", "regions": [{"region", "ok", "exitCode", ...that region's document}]}}
 * (JSON). The exit code is 0 when every region's is, else the largest.
 */
public final class FleetView {
    private FleetView() {
    }

    /** What one region's run printed (a whole one-region result: text, or its JSON document) and its exit code. */
    public record Region(String region, int code, String out, String err, Duration took) {
        /** One line: the error when it failed, else the first line of its result. */
        public String summary() {
            if (code != 0) {
                List<String> errors = err.lines().filter(l -> l.startsWith("error: ")).toList();
                if (!errors.isEmpty()) {
                    return errors.get(errors.size() - 1).substring("error: ".length());
                }
            }
            return out.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                    .map(l -> l.replaceFirst("^[✓✗] ", "")).orElse(code == 0 ? "done" : "failed");
        }
    }

    public static int print(Output o, List<Region> regions) {
        int code = regions.stream().mapToInt(Region::code).max().orElse(0);
        if (o.json()) {
            ObjectMapper mapper = Json.mapper();
            List<ObjectNode> docs = new ArrayList<>();
            for (Region r : regions) {
                JsonNode own = document(mapper, r.out());
                ObjectNode doc = mapper.createObjectNode();
                doc.put("region", r.region());
                doc.put("ok", own.path("ok").asBoolean(r.code() == 0));
                doc.put("exitCode", r.code());
                own.fields().forEachRemaining(f -> {
                    if (!f.getKey().equals("ok")) {
                        doc.set(f.getKey(), f.getValue());
                    }
                });
                if (own.isEmpty() && r.code() != 0) {
                    doc.put("error", r.summary());
                }
                docs.add(doc);
            }
            Output.Document all = new Output.Document(code == 0).put("regions", docs);
            if (code != 0) {
                all.put("error", outcome(regions, code));
            }
            return o.print(all, code);
        }
        PrintWriter out = o.out();
        Style style = o.style();
        for (Region r : regions) {
            String own = (r.out() + r.err()).stripTrailing();
            if (!own.isBlank()) {
                out.println();
                out.println(style.bold("── " + r.region() + " ──"));
                out.println(own);
            }
        }
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"REGION", "RESULT", "EXIT", "TIME", "SUMMARY"});
        for (Region r : regions) {
            // Exit 2 promises nothing changed there: a region refused before acting is not a failed change.
            rows.add(new String[] {r.region(), r.code() == 0 ? style.ok("✓ ok") : r.code() == 2
                    ? style.dim("– not changed") : style.bad("✗ failed"),
                String.valueOf(r.code()), Durations.format(r.took()), Render.cut(r.summary(), 100)});
        }
        Render.table(rows, "").forEach(out::println);
        out.println(outcome(regions, code));
        out.flush();
        return code;
    }

    /** "2 of 3 regions succeeded, 1 not changed; exit 2, the largest of theirs". */
    private static String outcome(List<Region> regions, int code) {
        long ok = regions.stream().filter(r -> r.code() == 0).count();
        long unchanged = regions.stream().filter(r -> r.code() == 2).count();
        return ok + " of " + regions.size() + " regions succeeded" + (unchanged == 0 ? "" : ", " + unchanged
                + " not changed") + (code == 0 ? "" : "; exit " + code + ", the largest of theirs");
    }

    /** A region's one JSON document; empty when it printed none (it failed before it had one). */
    private static JsonNode document(ObjectMapper mapper, String text) {
        try {
            JsonNode doc = mapper.readTree(text);
            return doc != null && doc.isObject() ? doc : mapper.createObjectNode();
        } catch (java.io.IOException e) {
            return mapper.createObjectNode();
        }
    }
}

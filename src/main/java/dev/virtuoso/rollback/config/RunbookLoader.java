package dev.virtuoso.rollback.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.virtuoso.rollback.json.Json;
import dev.virtuoso.rollback.model.RunbookException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads and validates a runbook file; every problem is an exit-2 error of one line,
 * {@code runbook <source> line <n>: <message>}, naming the key path in the runbook's words.
 *
 * <p>SnakeYAML composes the text into nodes that know their line, with aliases resolved; those
 * become a Jackson tree (one document, no duplicate keys, merge keys applied, alias expansion
 * bounded) and the line of every key path; Jackson then maps the tree onto {@link Runbook}.
 */
public final class RunbookLoader {
    /** Larger files are refused before they are parsed. */
    static final int MAX_BYTES = 1 << 20;
    /** Aliases of lists and blocks: a few make anchors useful, thousands are an alias bomb. */
    static final int MAX_ALIASES = 50;
    /** Values copied by expanding aliases: even a few aliases can double and redouble. */
    static final int MAX_EXPANDED = 10_000;
    static final int MAX_NESTING = 50;
    /** Echoed values and keys are cut to this many characters. */
    private static final int ECHO = 60;
    private static final int REASON = 120;
    private static final String SECOND_DOCUMENT = "a second YAML document starts here (a runbook file holds one document)";
    private static final Duration MAX_CHECK_TIMEOUT = Duration.ofHours(1);
    private static final String DURATION = "a duration such as 300ms, 10s, 5m, 2h or 1h30m";
    private static final Pattern TAG_SAFE_PATH = Pattern.compile("/[^\\s]*");
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    private final ObjectMapper json = Json.strict();

    public Runbook load(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw RunbookException.invalid("runbook " + file + " not found");
        } catch (IOException e) {
            throw RunbookException.invalid("cannot read runbook " + file + ": " + e.getMessage());
        }
        if (bytes.length > MAX_BYTES) {
            throw tooLarge(file.toString());
        }
        return parse(file.toString(), utf8(file.toString(), bytes));
    }

    public Runbook parse(String source, String text) {
        if (utf8Length(text) > MAX_BYTES) {
            throw tooLarge(source);
        }
        Tree tree = new TreeReader(source).read(text.startsWith("\uFEFF") ? text.substring(1) : text);
        Runbook runbook = map(source, tree);
        new Validator(source, tree.lines()).validate(runbook);
        return runbook;
    }

    static RunbookException error(String source, int line, String message) {
        return RunbookException.invalid("runbook " + source + (line > 0 ? " line " + line : "") + ": " + message);
    }

    private static RunbookException tooLarge(String source) {
        return RunbookException.invalid("runbook " + source + " is larger than 1 MiB");
    }

    private static String utf8(String source, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw RunbookException.invalid("runbook " + source + " is not UTF-8 text (invalid byte at line " + line + ")");
        }
        return out.flip().toString();
    }

    private static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // A surrogate pair is 4 bytes: 2 for each half.
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }

    /** At most {@value #ECHO} characters of what the user wrote, on one line. */
    private static String shorten(String text) {
        return shorten(text, ECHO);
    }

    private static String shorten(String text, int max) {
        int cut = text.codePointCount(0, text.length()) <= max ? text.length() : text.offsetByCodePoints(0, max);
        StringBuilder b = new StringBuilder();
        text.substring(0, cut).codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return cut < text.length() ? b.append('…').toString() : b.toString();
    }

    private static String quote(String text) {
        return "'" + shorten(text) + "'";
    }

    /** The line of a key path, or of the nearest enclosing key written in the file; 0 if none is. */
    private static int lineOf(Map<String, Integer> lines, String path) {
        for (String k = path; !k.isEmpty(); k = k.replaceAll("(\\.[^.\\[]*|\\[\\d+])$", "")) {
            Integer line = lines.get(k);
            if (line != null) {
                return line;
            }
            if (!k.contains(".") && !k.contains("[")) {
                break;
            }
        }
        return 0;
    }

    // ---- Jackson: the tree onto the records ----

    private Runbook map(String source, Tree tree) {
        try (JsonParser parser = json.treeAsTokens(tree.root())) {
            return json.readValue(parser, Runbook.class);
        } catch (UnrecognizedPropertyException e) {
            String path = path(e);
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw error(source, lineOf(tree.lines(), path), "unknown key " + quote(path) + " (known here: " + known + ")");
        } catch (JsonMappingException e) {
            String path = path(e);
            throw error(source, lineOf(tree.lines(), path), "bad value for " + quote(path) + ": "
                    + problem(e, tree.at(e.getPath())));
        } catch (IOException e) {
            // Not expected from a tree; still one line, without parser internals.
            throw error(source, 0, "cannot read the runbook's values");
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    /** What is wrong with the value, in the runbook's words rather than Java types. */
    private static String problem(JsonMappingException e, JsonNode value) {
        if (e instanceof BadValue) {
            return e.getOriginalMessage();
        }
        if (value != null && (e.getCause() instanceof InputCoercionException
                || String.valueOf(e.getOriginalMessage()).contains("out of range"))) {
            return describe(value) + " is out of range";
        }
        String expected = e instanceof MismatchedInputException m ? expected(m.getTargetType()) : null;
        if (expected == null) {
            return "this value does not fit here";
        }
        return value == null ? expected : expected + ", not " + describe(value);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return null;
        }
        if (type.isRecord()) {
            return "expected a block of keys";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "expected a list";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "expected a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "expected a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "expected true or false";
        }
        if (type == Duration.class) {
            return "expected " + DURATION;
        }
        return type == String.class ? "expected text" : null;
    }

    private static String describe(JsonNode value) {
        if (value.isObject()) {
            return "a block of keys";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isNull()) {
            return "nothing";
        }
        return quote(value.asText());
    }

    /** A value error worded here, which Jackson passes on with the key path. */
    private static final class BadValue extends JsonMappingException {
        BadValue(JsonParser parser, String message) {
            super(parser, message);
        }
    }

    /** The runbook's durations ({@link Runbook}'s Duration keys name it): the flags' grammar, or whole seconds. */
    static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken token = p.currentToken();
            if (!token.isScalarValue()) {
                throw new BadValue(p, "expected " + DURATION + ", not "
                        + (token == JsonToken.START_ARRAY ? "a list" : "a block of keys"));
            }
            String text = p.getText();
            try {
                // A plain number is seconds, as in the written runbook's "duration: 300s" written 300; a
                // negative one is read so that the check of the key can say it must be positive.
                if (text.matches("-?\\d+")) {
                    Duration d = Durations.parse(text.replace("-", "") + "s");
                    return text.startsWith("-") ? d.negated() : d;
                }
                return Durations.parse(text);
            } catch (Durations.TooLong e) {
                throw new BadValue(p, quote(text) + " is out of range: " + Durations.AT_MOST);
            } catch (IllegalArgumentException e) {
                throw new BadValue(p, "expected " + DURATION + ", not " + quote(text));
            }
        }
    }

    // ---- YAML: text to a tree ----

    /** The runbook as a Jackson tree, and the line of every key path ("checks.health[1].path"). */
    private record Tree(JsonNode root, Map<String, Integer> lines) {
        JsonNode at(List<JsonMappingException.Reference> path) {
            JsonNode node = root;
            for (JsonMappingException.Reference r : path) {
                if (node == null) {
                    return null;
                }
                node = r.getFieldName() != null ? node.get(r.getFieldName()) : node.get(r.getIndex());
            }
            return node;
        }
    }

    /**
     * YAML text to a {@link Tree}: one document, no duplicate keys, merge keys applied, and
     * aliases expanded within limits. Keys and items record the line they are written on; those
     * reached through an alias, the line of the anchored original.
     */
    private static final class TreeReader {
        private final String source;
        private final Map<String, Integer> lines = new HashMap<>();
        /** Nodes converted once; meeting one again means an alias is being expanded. */
        private final Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        /** Lists and blocks being converted: an alias of one of them would never end. */
        private final Set<Node> open = Collections.newSetFromMap(new IdentityHashMap<>());
        private int expanded;

        TreeReader(String source) {
            this.source = source;
        }

        Tree read(String text) {
            printable(text);
            Node root = compose(text);
            if (root == null || isNull(root)) {
                throw error(source, 0, "the file is empty");
            }
            if (!(root instanceof MappingNode)) {
                throw error(source, line(root), "the runbook must be a block of keys such as 'service:', not "
                        + describe(root));
            }
            return new Tree(convert(root, "", false), lines);
        }

        /** SnakeYAML refuses control characters too, but names no line for them. */
        private void printable(String text) {
            int line = 1;
            for (int i = 0; i < text.length(); ) {
                int c = text.codePointAt(i);
                if (!StreamReader.isPrintable(c)) {
                    throw error(source, line, "not valid YAML: the character " + String.format("U+%04X", c)
                            + " is not allowed");
                }
                line += c == '\n' ? 1 : 0;
                i += Character.charCount(c);
            }
        }

        private Node compose(String text) {
            LoaderOptions options = new LoaderOptions();
            // Duplicates are found while converting, to name both lines; these limits back up Events'.
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(MAX_ALIASES);
            options.setNestingDepthLimit(MAX_NESTING + 1);
            options.setCodePointLimit(MAX_BYTES);
            Events events = new Events(new ParserImpl(new StreamReader(text), options));
            try {
                events.getEvent(); // stream start
                if (events.checkEvent(Event.ID.StreamEnd)) {
                    return null;
                }
                Node root = new Composer(events, new Resolver(), options).getNode();
                if (!events.checkEvent(Event.ID.StreamEnd)) {
                    throw error(source, line(events.peekEvent().getStartMark()), SECOND_DOCUMENT);
                }
                return root;
            } catch (MarkedYAMLException e) {
                throw notYaml(e, text);
            } catch (YAMLException e) {
                // Limits carry no position: the last event read is where one was reached.
                throw error(source, events.line, "not valid YAML: " + shorten(String.valueOf(e.getMessage()), REASON));
            }
        }

        private RunbookException notYaml(MarkedYAMLException e, String text) {
            String problem = String.valueOf(e.getProblem());
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            if (problem.startsWith("expected '<document start>'")) { // more after "...", without "---"
                return error(source, line(at), SECOND_DOCUMENT);
            }
            if (problem.contains("(TAB)")) { // "found character '\\t(TAB)' that cannot start any token"
                return error(source, line(at), "not valid YAML: a tab cannot indent (use spaces)");
            }
            // "found character '%' that cannot start any token. (Do not use % for indentation)"
            problem = problem.replaceFirst("\\.? \\(Do not use .*\\)$", "");
            boolean atEnd = at != null && at.getIndex() >= text.codePointCount(0, text.length());
            if (atEnd && e.getContextMark() != null) {
                at = e.getContextMark(); // what is left open at the end, where it starts
            }
            String reason = e.getContext() == null ? problem : e.getContext() + ": " + problem;
            return error(source, line(at), "not valid YAML: " + shorten(reason, REASON));
        }

        /**
         * Hands SnakeYAML's events to its composer, counting nesting and the aliases of lists
         * and blocks on the way, so that either limit is reported with its line.
         */
        private final class Events implements Parser {
            private final Parser parser;
            private final Set<String> collectionAnchors = new HashSet<>();
            private int aliases;
            private int depth;
            private int line;

            Events(Parser parser) {
                this.parser = parser;
            }

            @Override
            public boolean checkEvent(Event.ID choice) {
                return parser.checkEvent(choice);
            }

            @Override
            public Event peekEvent() {
                return parser.peekEvent();
            }

            @Override
            public Event getEvent() {
                Event event = parser.getEvent();
                line = line(event.getStartMark());
                if (event instanceof CollectionStartEvent start) {
                    if (++depth > MAX_NESTING) {
                        throw error(source, line, "lists and blocks of keys are nested more than " + MAX_NESTING
                                + " deep");
                    }
                    anchor(start.getAnchor(), true);
                } else if (event instanceof CollectionEndEvent) {
                    depth--;
                } else if (event instanceof ScalarEvent scalar) {
                    anchor(scalar.getAnchor(), false);
                } else if (event instanceof AliasEvent alias && collectionAnchors.contains(alias.getAnchor())
                        && ++aliases > MAX_ALIASES) {
                    throw error(source, line, "more than " + MAX_ALIASES
                            + " aliases of lists or blocks of keys (a limit against alias bombs)");
                }
                return event;
            }

            private void anchor(String name, boolean collection) {
                if (name != null && collection) {
                    collectionAnchors.add(name);
                } else if (name != null) {
                    collectionAnchors.remove(name);
                }
            }
        }

        private JsonNode convert(Node node, String path, boolean expanding) {
            boolean again = expanding || !seen.add(node);
            if (again && ++expanded > MAX_EXPANDED) {
                throw error(source, lineOf(lines, path.replaceAll("(\\[\\d+])+$", "")), "aliases expand to more than "
                        + MAX_EXPANDED + " values (a limit against alias bombs)");
            }
            if (node instanceof ScalarNode scalar) {
                return scalar(scalar, path);
            }
            if (!open.add(node)) {
                throw error(source, lineOf(lines, path), "alias *" + node.getAnchor() + " refers to the "
                        + (node instanceof SequenceNode ? "list" : "block") + " that contains it");
            }
            try {
                return node instanceof SequenceNode list ? list(list, path, again) : block((MappingNode) node, path, again);
            } finally {
                open.remove(node);
            }
        }

        private ArrayNode list(SequenceNode list, String path, boolean again) {
            tag(list, Tag.SEQ, path);
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            List<Node> items = list.getValue();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String at = path + "[" + i + "]";
                lines.put(at, line(item));
                if (isNull(item)) {
                    throw error(source, line(item), quote(at) + " is empty");
                }
                array.add(convert(item, at, again));
            }
            return array;
        }

        private ObjectNode block(MappingNode block, String path, boolean again) {
            tag(block, Tag.MAP, path);
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, NodeTuple> e : entries(block, path).entrySet()) {
                String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                lines.put(at, line(e.getValue().getKeyNode()));
                object.set(e.getKey(), convert(e.getValue().getValueNode(), at, again));
            }
            return object;
        }

        /**
         * A block's keys after its merge keys ({@code <<: *defaults}): keys written in the block
         * win over merged ones, and earlier merged blocks over later ones.
         */
        private Map<String, NodeTuple> entries(MappingNode block, String path) {
            Map<String, NodeTuple> own = new LinkedHashMap<>();
            NodeTuple merge = null;
            for (NodeTuple t : block.getValue()) {
                String key = key(t.getKeyNode(), path);
                NodeTuple first = t.getKeyNode().getTag().equals(Tag.MERGE) ? merge : own.get(key);
                if (first != null) {
                    throw error(source, line(t.getKeyNode()), "duplicate key "
                            + quote(path.isEmpty() ? key : path + "." + key) + " (first at line "
                            + line(first.getKeyNode()) + ")");
                }
                if (t.getKeyNode().getTag().equals(Tag.MERGE)) {
                    merge = t;
                } else {
                    own.put(key, t);
                }
            }
            if (merge == null) {
                return own;
            }
            Map<String, NodeTuple> all = new LinkedHashMap<>();
            for (MappingNode from : mergeSources(merge, path)) {
                if (!open.add(from)) {
                    throw error(source, line(merge.getKeyNode()), "alias *" + from.getAnchor()
                            + " refers to the block that contains it");
                }
                try {
                    entries(from, path).forEach(all::putIfAbsent);
                } finally {
                    open.remove(from);
                }
            }
            all.putAll(own);
            return all;
        }

        private List<MappingNode> mergeSources(NodeTuple merge, String path) {
            Node value = merge.getValueNode();
            List<Node> sources = value instanceof SequenceNode list ? list.getValue() : List.of(value);
            List<MappingNode> blocks = new ArrayList<>();
            for (Node n : sources) {
                if (!(n instanceof MappingNode block)) {
                    throw error(source, line(merge.getKeyNode()), "'<<'" + (path.isEmpty() ? "" : " in " + quote(path))
                            + " must be an alias of a block of keys, or a list of them");
                }
                blocks.add(block);
            }
            return blocks;
        }

        private String key(Node key, String path) {
            if (!(key instanceof ScalarNode scalar)) {
                throw error(source, line(key), "a key" + (path.isEmpty() ? "" : " in " + quote(path))
                        + " must be plain text, not " + describe(key));
            }
            return scalar.getValue();
        }

        /**
         * Every scalar is its text, as written: Jackson reads a number or true/false from it where the
         * runbook wants one, and text stays text ({@code name: yes} is "yes", {@code project: 0123} is
         * "0123"). YAML 1.1's other spellings (yes/no, 0x1F, 1:30) are errors where a number or a
         * boolean belongs, never a silent surprise.
         */
        private JsonNode scalar(ScalarNode scalar, String path) {
            Tag tag = scalar.getTag();
            if (!tag.startsWith(Tag.PREFIX)) {
                throw error(source, line(scalar), "bad value for " + quote(path) + ": the tag " + tagName(tag)
                        + " is not supported");
            }
            return tag.equals(Tag.NULL) ? NullNode.getInstance() : TextNode.valueOf(scalar.getValue());
        }

        private void tag(Node node, Tag expected, String path) {
            if (!node.getTag().equals(expected)) {
                throw error(source, line(node), "bad value for " + quote(path) + ": the tag " + tagName(node.getTag())
                        + " is not supported");
            }
        }

        private static String tagName(Tag tag) {
            return tag.startsWith(Tag.PREFIX) ? "!!" + tag.getValue().substring(Tag.PREFIX.length()) : tag.getValue();
        }

        private static boolean isNull(Node node) {
            return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
        }

        private static String describe(Node node) {
            if (node instanceof MappingNode) {
                return "a block of keys";
            }
            if (node instanceof SequenceNode) {
                return "a list";
            }
            return quote(((ScalarNode) node).getValue());
        }

        private static int line(Node node) {
            return line(node.getStartMark());
        }

        private static int line(Mark mark) {
            return mark == null ? 0 : mark.getLine() + 1;
        }
    }

    /** A Slack channel as a name (#incidents; Slack's names are lower case, at most 80 long) or an ID. */
    private static final Pattern SLACK_CHANNEL =
            Pattern.compile("#[a-z0-9_][a-z0-9_-]{0,79}|[CGD][A-Z0-9]{6,}");

    // ---- Rules a type cannot express ----

    /** Ranges, exclusive choices, required keys. */
    private record Validator(String source, Map<String, Integer> lines) {
        void validate(Runbook r) {
            check(Runbook.API_VERSION.equals(r.apiVersion()), "apiVersion",
                    "must be " + Runbook.API_VERSION + ", not " + quote(r.apiVersion()));
            check(r.service().name() != null && !r.service().name().isBlank(), "service.name", "is required");
            List<String> regions = r.service().regions();
            if (regions != null) {
                check(r.service().region() == null, "service.regions", "and 'service.region' exclude each other: "
                        + "list every region under 'service.regions', or give one 'service.region'");
                check(!regions.isEmpty(), "service.regions", "must name at least one region");
                check(regions.stream().noneMatch(v -> v == null || v.isBlank()), "service.regions",
                        "must not hold an empty name");
                check(new java.util.HashSet<>(regions).size() == regions.size(), "service.regions",
                        "names a region twice: " + regions);
            }
            if (r.service().url() != null) {
                check(r.service().url().matches("https?://[^\\s/]+(/[^\\s]*)?"), "service.url",
                        "must be an http(s) URL, not " + quote(r.service().url()));
            }
            secret(r.apiKey(), "apiKey");
            if (r.journal() != null) {
                String problem = SharedJournal.problem(r.journal());
                check(problem == null, "journal", problem);
            }
            secret(r.notifications().slackWebhook(), "notify.slackWebhook");
            Runbook.Slack slack = r.notifications().slack();
            if (slack != null) {
                check(r.notifications().slackWebhook() == null, "notify.slack", "and 'notify.slackWebhook' exclude "
                        + "each other: keep 'notify.slack' (a bot token: threads and the chart) or the webhook");
                check(slack.token() != null, "notify.slack.token", "is required ({secret: NAME} or {env: VAR}: "
                        + "the Slack app's bot token)");
                secret(slack.token(), "notify.slack.token");
                check(slack.channel() != null, "notify.slack.channel", "is required (#name or a channel ID)");
                check(SLACK_CHANNEL.matcher(slack.channel()).matches(), "notify.slack.channel", "must be #name "
                        + "(lower-case letters, digits, - and _) or a channel ID like C0123ABCD, not "
                        + quote(slack.channel()));
            }
            positive(r.checks().timeout(), "checks.timeout");
            // One request's timeout: OkHttp refuses one over 2^31 ms (24.8 days), and Cloud Run ends a request after 60 minutes.
            check(r.checks().timeout().compareTo(MAX_CHECK_TIMEOUT) <= 0, "checks.timeout", "must be at most "
                    + Durations.format(MAX_CHECK_TIMEOUT) + " (one request; Cloud Run ends a request after 60 minutes)");
            check(r.checks().retries() >= 0 && r.checks().retries() <= 10, "checks.retries", "must be 0..10");
            checks(r.checks().health(), "checks.health");
            checks(r.checks().functional(), "checks.functional");
            Runbook.Triggers t = r.triggers();
            check(between(t.errorRate()), "triggers.errorRate", "must be a fraction between 0 and 1");
            positive(t.p95Latency(), "triggers.p95Latency");
            positive(t.window(), "triggers.window");
            check(t.minRequests() >= 0, "triggers.minRequests", "must not be negative");
            check(!t.sustain().isNegative(), "triggers.sustain", "must not be negative");
            check(t.sustain().getNano() == 0, "triggers.sustain", "must be whole seconds");
            check(!r.decisionMatrix().isEmpty(), "decisionMatrix", "needs at least one row");
            for (int i = 0; i < r.decisionMatrix().size(); i++) {
                Runbook.DecisionRow row = r.decisionMatrix().get(i);
                String key = "decisionMatrix[" + i + "]";
                check(row.severity() != null && row.action() != null && row.within() != null, key,
                        "needs severity, minErrorRate, action and within");
                check(row.minErrorRate() != null && between(row.minErrorRate()), key + ".minErrorRate",
                        "must be a fraction between 0 and 1");
                positive(row.within(), key + ".within");
                check(i == 0 || row.minErrorRate() < r.decisionMatrix().get(i - 1).minErrorRate(), key,
                        "rows must be ordered by minErrorRate, highest first");
            }
        }

        private void checks(List<Runbook.HttpCheck> checks, String key) {
            for (int i = 0; i < checks.size(); i++) {
                Runbook.HttpCheck c = checks.get(i);
                String at = key + "[" + i + "]";
                check(c.path() != null && TAG_SAFE_PATH.matcher(c.path()).matches(), at + ".path",
                        "must start with '/' and contain no spaces");
                check(METHODS.contains(c.method()), at + ".method", "must be one of " + METHODS);
                check(c.expectStatus() == null || (c.expectStatus() >= 100 && c.expectStatus() <= 599),
                        at + ".expectStatus", "must be an HTTP status 100..599");
            }
        }

        private void secret(Runbook.SecretSource s, String key) {
            if (s != null) {
                check((s.env() == null) != (s.secret() == null), key, "needs exactly one of 'env' or 'secret'");
            }
        }

        private void positive(Duration d, String key) {
            check(!d.isZero() && !d.isNegative(), key, "must be positive");
        }

        private static boolean between(double fraction) {
            return fraction >= 0 && fraction <= 1;
        }

        private void check(boolean ok, String key, String message) {
            if (!ok) {
                throw error(source, lineOf(lines, key), quote(key) + " " + message);
            }
        }
    }
}

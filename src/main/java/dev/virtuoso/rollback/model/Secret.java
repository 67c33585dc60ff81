package dev.virtuoso.rollback.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A secret value that cannot leak by accident: toString never shows it. The value is trimmed
 * once, here: {@code gcloud secrets versions add --data-file} and {@code echo $KEY > file} keep a
 * trailing newline, which no header or URL can carry.
 */
public final class Secret {
    /** What is shown in place of a secret, or of any piece of one. */
    public static final String MASK = "[redacted]";
    private static final Pattern URL_CREDENTIALS = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/\\s'\"]+@");

    private final String raw;
    private final String value;

    public Secret(String value) {
        this.raw = value;
        this.value = value == null ? null : value.strip();
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return MASK;
    }

    /**
     * {@code https://user:token@host/x} → {@code https://***@host/x}: credentials written into a URL
     * (a git remote, a URL given by hand) are secrets nobody registered; a user name alone can be a
     * token too.
     */
    public static String withoutUrlCredentials(String text) {
        return URL_CREDENTIALS.matcher(text).replaceAll("$1***@");
    }

    /**
     * The secrets one run has read (the API key, the webhook URL), and the one way text leaves the
     * process: every output — the console, JSON, the journal, reports, Slack messages — passes what
     * it writes through {@link #redact}. A secret is replaced wherever it appears whole, then every
     * remaining run of {@value #PIECE} or more characters that is part of one: a server that echoes
     * the key and a body cut short leave its start or its end. Text from outside (a server's answer,
     * an exception's message) is redacted before anything cuts it ({@link #cut}), so no cut can make
     * a secret unrecognisable.
     */
    public static final class Registry {
        /** Shorter runs are ordinary text; a run this long taken from a secret is a piece of it. */
        private static final int PIECE = 8;
        /** A shorter value is no credential and would match ordinary words everywhere. */
        private static final int SHORTEST = 4;
        /** scheme://[userinfo@]host[:port], then what follows the host. */
        private static final Pattern URL = Pattern.compile("(?s)[A-Za-z][A-Za-z0-9+.-]*://(?:([^/?#@]*)@)?[^/?#]*(.*)");
        /** Leading path segments that are plain words of the URL's scheme: /services/ of a Slack webhook. */
        private static final Pattern WORDS = Pattern.compile("(?:/[a-z_-]{1,16})+(?=[/?#]|$)");

        private volatile List<String> whole = List.of();
        private volatile Set<String> pieces = Set.of();

        /** From now on, {@code secret} is redacted from everything this run writes. */
        public synchronized void add(Secret secret) {
            if (secret == null || secret.value == null || secret.value.length() < SHORTEST) {
                return;
            }
            Set<String> w = new HashSet<>(whole);
            Set<String> p = new HashSet<>(pieces);
            w.add(secret.raw);
            w.add(secret.value);
            for (String part : credentials(secret.value)) {
                if (part.length() >= SHORTEST) {
                    w.add(part);
                }
                for (int i = 0; i + PIECE <= part.length(); i++) {
                    p.add(part.substring(i, i + PIECE));
                }
            }
            // Longest first: a value that contains another is replaced whole.
            whole = w.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
            pieces = Set.copyOf(p);
        }

        /**
         * What of a value must never be shown. A URL's scheme and host are public (every message
         * about a call names them, 127.0.0.1:8080 is the sandbox's), and so are the plain words its
         * path starts with; the credential is its user info and what follows those words (Slack's
         * T…/B…/token). Anything else is secret whole.
         */
        private static List<String> credentials(String value) {
            Matcher m = URL.matcher(value);
            if (!m.matches()) {
                return List.of(value);
            }
            List<String> parts = new ArrayList<>();
            if (m.group(1) != null) {
                parts.add(m.group(1));
            }
            String rest = m.group(2);
            Matcher words = WORDS.matcher(rest);
            parts.add((words.lookingAt() ? rest.substring(words.end()) : rest).replaceFirst("^/", ""));
            return parts;
        }

        /** {@code text} without any secret of this run, whole or in pieces, nor credentials in URLs. */
        public String redact(String text) {
            if (text == null || text.isEmpty()) {
                return text;
            }
            String out = withoutUrlCredentials(text);
            for (String s : whole) {
                if (out.contains(s)) {
                    out = out.replace(s, MASK);
                }
            }
            return withoutPieces(out);
        }

        /** {@link #redact redacted}, then cut to {@code max} characters: never cut first. */
        public String cut(String text, int max) {
            String safe = redact(text);
            return safe == null || safe.length() <= max ? safe : safe.substring(0, max) + "…";
        }

        private String withoutPieces(String text) {
            Set<String> known = pieces;
            if (known.isEmpty() || text.length() < PIECE) {
                return text;
            }
            boolean[] secret = new boolean[text.length()];
            boolean any = false;
            for (int i = 0; i + PIECE <= text.length(); i++) {
                if (known.contains(text.substring(i, i + PIECE))) {
                    java.util.Arrays.fill(secret, i, i + PIECE, true);
                    any = true;
                }
            }
            if (!any) {
                return text;
            }
            StringBuilder b = new StringBuilder(text.length());
            for (int i = 0; i < text.length(); i++) {
                if (!secret[i]) {
                    b.append(text.charAt(i));
                } else if (i == 0 || !secret[i - 1]) {
                    b.append(MASK);
                }
            }
            return b.toString();
        }
    }
}

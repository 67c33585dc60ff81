package dev.virtuoso.rollback;

import java.util.ArrayList;
import java.util.List;

/** What tests look for in every output: any run of 8 characters taken from a secret. */
public final class SecretPieces {
    public static final int PIECE = 8;

    private SecretPieces() {
    }

    /** The 8-character pieces of {@code secret} that {@code text} contains (empty when none). */
    public static List<String> in(String text, String secret) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i + PIECE <= secret.length(); i++) {
            String piece = secret.substring(i, i + PIECE);
            if (text.contains(piece) && !found.contains(piece)) {
                found.add(piece);
            }
        }
        return found;
    }

    /** A body that holds {@code secret} after {@code offset} filler characters, and more text after it. */
    public static String echoAt(int offset, String secret) {
        return "x".repeat(offset) + secret + " y".repeat(40);
    }
}

package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The UTC second as names use it: journal ids, backup prefixes, snapshot tables ({@code 20261201T103000Z}). */
public final class Stamp {
    private static final DateTimeFormatter UTC_SECOND = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private Stamp() {
    }

    public static String of(Instant at) {
        return UTC_SECOND.format(at);
    }
}

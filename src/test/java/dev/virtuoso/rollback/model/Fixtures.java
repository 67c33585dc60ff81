package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The sandbox's history as plain domain values, for use-case tests. */
public final class Fixtures {
    public static final ServiceRef REF = new ServiceRef("p1", "us-central1", "virtuoso-api");
    public static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    public static final List<Revision> REVISIONS = List.of(
            new Revision("virtuoso-api-00004-jkl", "virtuoso-api", false, "Container failed to start", "img:v1.2.1", T0.plusSeconds(300)),
            new Revision("virtuoso-api-00003-ghi", "virtuoso-api", true, "", "img:v1.2.0", T0.plusSeconds(200)),
            new Revision("virtuoso-api-00002-def", "virtuoso-api", true, "", "img:v1.1.0", T0.plusSeconds(100)),
            new Revision("virtuoso-api-00001-abc", "virtuoso-api", true, "", "img:v1.0.0", T0));

    public static final List<TrafficEntry> SEED_TRAFFIC = List.of(TrafficEntry.toLatest(100),
            new TrafficEntry(false, "virtuoso-api-00002-def", 0, "stable-2024-07-24"));

    private Fixtures() {
    }

    public static ServiceState state(List<TrafficEntry> traffic) {
        return new ServiceState(REF, "http://127.0.0.1:1", 7, 7, "etag-7", false, null, "virtuoso-api-00003-ghi",
                "virtuoso-api-00004-jkl", traffic, traffic, Map.of(), "img:v1.2.0");
    }

    public static ServiceState seed() {
        return state(SEED_TRAFFIC);
    }
}

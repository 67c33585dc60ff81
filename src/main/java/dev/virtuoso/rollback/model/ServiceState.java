package dev.virtuoso.rollback.model;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One read of a Cloud Run service. {@code traffic} is what was asked; {@code trafficStatuses} is
 * what serves. While {@code reconciling}, statuses and latestReadyRevision are transient (a
 * change is finished only when not reconciling and observed_generation caught up). {@code failure}
 * is the terminal condition's message when Cloud Run reports the last change failed, else null.
 * {@code image} and {@code templateConfig} describe the template new revisions are made from (see
 * {@link Revision#config()}). {@code lastModifier} and {@code updated} are who last changed the
 * service and when, as Cloud Run records them (null when it does not say).
 */
public record ServiceState(
        ServiceRef ref,
        String uri,
        long generation,
        long observedGeneration,
        String etag,
        boolean reconciling,
        String failure,
        String latestReadyRevision,
        String latestCreatedRevision,
        List<TrafficEntry> traffic,
        List<TrafficEntry> trafficStatuses,
        Map<String, String> tagUrls,
        String image,
        Fingerprint templateConfig,
        String lastModifier,
        Instant updated) {

    /** A state whose template configuration is not known (tests of traffic alone). */
    public ServiceState(ServiceRef ref, String uri, long generation, long observedGeneration, String etag,
                        boolean reconciling, String failure, String latestReadyRevision, String latestCreatedRevision,
                        List<TrafficEntry> traffic, List<TrafficEntry> trafficStatuses, Map<String, String> tagUrls,
                        String image) {
        this(ref, uri, generation, observedGeneration, etag, reconciling, failure, latestReadyRevision,
                latestCreatedRevision, traffic, trafficStatuses, tagUrls, image, null);
    }

    /** A state whose last modification Cloud Run did not say. */
    public ServiceState(ServiceRef ref, String uri, long generation, long observedGeneration, String etag,
                        boolean reconciling, String failure, String latestReadyRevision, String latestCreatedRevision,
                        List<TrafficEntry> traffic, List<TrafficEntry> trafficStatuses, Map<String, String> tagUrls,
                        String image, Fingerprint templateConfig) {
        this(ref, uri, generation, observedGeneration, etag, reconciling, failure, latestReadyRevision,
                latestCreatedRevision, traffic, trafficStatuses, tagUrls, image, templateConfig, null, null);
    }

    public ServiceState {
        traffic = List.copyOf(traffic);
        trafficStatuses = List.copyOf(trafficStatuses);
        tagUrls = Map.copyOf(tagUrls);
    }

    public boolean failed() {
        return failure != null;
    }

    /** Percent served per revision (LATEST resolved), biggest first. */
    public Map<String, Integer> serving() {
        Map<String, Integer> percents = new LinkedHashMap<>();
        for (TrafficEntry e : trafficStatuses) {
            String rev = e.resolve(latestReadyRevision);
            if (rev != null && e.percent() > 0) {
                percents.merge(rev, e.percent(), Integer::sum);
            }
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        percents.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .forEachOrdered(en -> sorted.put(en.getKey(), en.getValue()));
        return sorted;
    }

    /** Traffic goes through LATEST (a new Ready revision gets it); false when pinned to named revisions. */
    public boolean servesLatest() {
        return traffic.stream().anyMatch(e -> e.latest() && e.percent() > 0);
    }

    /** All traffic goes through LATEST: a deploy is served once its revision is Ready, with no traffic update. */
    public boolean followsLatest() {
        return traffic.stream().anyMatch(e -> e.latest() && e.percent() == 100);
    }

    /**
     * A change is still being applied: reconciling, or a generation not observed yet that did not
     * fail (a failed reconciliation leaves the observed generation behind, and says FAILED).
     */
    public boolean applying() {
        return reconciling || (observedGeneration < generation && !failed());
    }

    /**
     * The revisions that serve, now, the entries of {@code asked} with a share of traffic that
     * name {@code revision} or follow LATEST: where a deploy of {@code revision} must run what it asked.
     */
    public Set<String> servingThrough(List<TrafficEntry> asked, String revision) {
        Set<String> names = new LinkedHashSet<>();
        for (TrafficEntry e : asked) {
            if (e.percent() > 0 && (e.latest() || e.targets(revision)) && e.resolve(latestReadyRevision) != null) {
                names.add(e.resolve(latestReadyRevision));
            }
        }
        return names;
    }

    /** What serves now, for people: "R1 (90%) and R2 (10%)", or "no revision". */
    public String servingText() {
        return serving().isEmpty() ? "no revision" : describe(serving());
    }

    /**
     * For a plan made while a change is still being applied: which change, and what serves until
     * it is in effect.
     */
    public String applyingText() {
        return "generation " + generation + ": traffic " + traffic + " asked, " + servingText()
                + " serving until it is in effect";
    }

    /** The revision serving the most traffic now. */
    public Optional<String> servingRevision() {
        return serving().keySet().stream().findFirst();
    }

    /** The change is in effect: no reconciliation in flight and the statuses are the asked traffic. */
    public boolean settledOn(List<TrafficEntry> asked) {
        return !reconciling && observedGeneration == generation && sameEntries(trafficStatuses, asked);
    }

    public Optional<TrafficEntry> taggedEntry(String tag) {
        return traffic.stream().filter(e -> tag.equals(e.tag())).findFirst();
    }

    /** Same entries regardless of order: the API does not promise to keep the order we sent. */
    public static boolean sameEntries(List<TrafficEntry> a, List<TrafficEntry> b) {
        Comparator<TrafficEntry> order = Comparator.comparing(TrafficEntry::toString);
        return a.size() == b.size() && a.stream().sorted(order).toList().equals(b.stream().sorted(order).toList());
    }

    /** Revisions and their percentages, for people: {@code a-00002 (90%) and a-00003 (10%)}. */
    public static String describe(Map<String, Integer> serving) {
        List<String> parts = new java.util.ArrayList<>();
        serving.forEach((rev, p) -> parts.add(rev + " (" + p + "%)"));
        return String.join(" and ", parts);
    }
}

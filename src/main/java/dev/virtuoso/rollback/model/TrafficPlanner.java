package dev.virtuoso.rollback.model;

import dev.virtuoso.rollback.model.TrafficEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds the new declarative traffic list. What is sent replaces the whole list and a tag
 * lives only as an entry, so every tagged entry is re-sent (at 0% when it no longer serves)
 * and tag URLs such as stable-2024-07-24---... survive.
 */
public final class TrafficPlanner {
    /** A tag becomes the DNS label "TAG---SERVICE-...", so it has the label's alphabet. */
    public static final Pattern TAG = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    private TrafficPlanner() {
    }

    /**
     * The rules Cloud Run holds a traffic list to, checked before anything is sent so that a bad
     * list (a hand-edited journal, say) is exit 2 with nothing changed: percents 0..100 adding up
     * to 100, tags well-formed and unique. Returns the problem, or null.
     */
    public static String problem(List<TrafficEntry> traffic) {
        if (traffic.isEmpty()) {
            return "the traffic list is empty";
        }
        int sum = 0;
        Set<String> tags = new HashSet<>();
        for (TrafficEntry e : traffic) {
            if (e.percent() < 0 || e.percent() > 100) {
                return "entry " + e.label() + " has " + e.percent() + "%, outside 0..100";
            }
            sum += e.percent();
            if (e.tag() != null && (!TAG.matcher(e.tag()).matches() || e.tag().length() > 46)) {
                return "tag '" + e.tag() + "' is not a valid tag name";
            }
            if (e.tag() != null && !tags.add(e.tag())) {
                return "tag " + e.tag() + " appears twice";
            }
        }
        return sum == 100 ? null : "the percents add up to " + sum + "%, not 100%";
    }

    /** {@code percent} to {@code target}, the rest to {@code current}; untagged entries are replaced. */
    public static List<TrafficEntry> route(List<TrafficEntry> traffic, String target, int percent, String current) {
        int rest = 100 - percent;
        List<TrafficEntry> out = new ArrayList<>();
        boolean targetPlaced = false;
        boolean restPlaced = rest == 0;
        for (TrafficEntry e : traffic) {
            if (e.tag() == null) {
                continue;
            }
            if (!targetPlaced && e.targets(target)) {
                out.add(e.withPercent(percent));
                targetPlaced = true;
            } else if (!restPlaced && e.targets(current)) {
                out.add(e.withPercent(rest));
                restPlaced = true;
            } else {
                out.add(e.withPercent(0));
            }
        }
        if (!restPlaced) {
            out.add(0, TrafficEntry.toRevision(current, rest));
        }
        if (!targetPlaced) {
            out.add(0, TrafficEntry.toRevision(target, percent));
        }
        return out;
    }

    /** 100% to the latest Ready revision again (un-pins the service); tagged entries kept at 0%. */
    public static List<TrafficEntry> toLatest(List<TrafficEntry> traffic) {
        List<TrafficEntry> out = new ArrayList<>();
        boolean placed = false;
        for (TrafficEntry e : traffic) {
            if (e.tag() == null) {
                continue;
            }
            if (!placed && e.latest()) {
                out.add(e.withPercent(100));
                placed = true;
            } else {
                out.add(e.withPercent(0));
            }
        }
        if (!placed) {
            out.add(0, TrafficEntry.toLatest(100));
        }
        return out;
    }

    /** Adds {@code tag} to {@code revision} without changing who serves what. */
    public static List<TrafficEntry> tag(List<TrafficEntry> traffic, String revision, String tag) {
        List<TrafficEntry> out = new ArrayList<>();
        boolean placed = false;
        for (TrafficEntry e : traffic) {
            if (!placed && e.tag() == null && e.targets(revision)) {
                out.add(e.withTag(tag));
                placed = true;
            } else {
                out.add(e);
            }
        }
        if (!placed) {
            out.add(new TrafficEntry(false, revision, 0, tag));
        }
        return out;
    }
}

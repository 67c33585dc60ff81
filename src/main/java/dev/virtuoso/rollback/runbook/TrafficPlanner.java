package dev.virtuoso.rollback.runbook;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the new declarative traffic list. What is sent replaces the whole list and a tag
 * lives only as an entry, so every tagged entry is re-sent (at 0% when it no longer serves)
 * and tag URLs such as stable-2024-07-24---... survive (GCP-NOTES, SPEC 7).
 */
public final class TrafficPlanner {
    private TrafficPlanner() {
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

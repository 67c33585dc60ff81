package dev.virtuoso.rollback.model;

import java.util.Objects;

/**
 * One entry of a service's declarative traffic list: either "the latest Ready revision" or a
 * named revision, with a percent and an optional tag (the tag exists only as this entry).
 */
public record TrafficEntry(boolean latest, String revision, int percent, String tag) {
    public TrafficEntry {
        if (latest && revision != null) {
            throw new IllegalArgumentException("a LATEST entry names no revision");
        }
        if (!latest && revision == null) {
            throw new IllegalArgumentException("a revision entry needs a revision name");
        }
        tag = tag == null || tag.isEmpty() ? null : tag;
    }

    public static TrafficEntry toLatest(int percent) {
        return new TrafficEntry(true, null, percent, null);
    }

    public static TrafficEntry toRevision(String revision, int percent) {
        return new TrafficEntry(false, revision, percent, null);
    }

    public TrafficEntry withPercent(int p) {
        return new TrafficEntry(latest, revision, p, tag);
    }

    public TrafficEntry withTag(String t) {
        return new TrafficEntry(latest, revision, percent, t);
    }

    /** The revision this entry sends traffic to, resolving LATEST through the latest Ready revision. */
    public String resolve(String latestReady) {
        return latest ? latestReady : revision;
    }

    public boolean targets(String name) {
        return Objects.equals(revision, name);
    }

    /** "LATEST" or the revision name, with the tag: {@code virtuoso-api-00002-def (tag stable-2024-07-24)}. */
    public String label() {
        return (latest ? "LATEST" : revision) + (tag == null ? "" : " (tag " + tag + ")");
    }

    @Override
    public String toString() {
        return label() + " " + percent + "%";
    }
}

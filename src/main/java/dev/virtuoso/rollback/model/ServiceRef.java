package dev.virtuoso.rollback.model;

/** A Cloud Run service by project, region and name. */
public record ServiceRef(String project, String region, String name) {
    public String path() {
        return "projects/" + project + "/locations/" + region + "/services/" + name;
    }

    @Override
    public String toString() {
        return project + "/" + region + "/" + name;
    }
}

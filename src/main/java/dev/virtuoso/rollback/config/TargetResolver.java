package dev.virtuoso.rollback.config;

import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import dev.virtuoso.rollback.model.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves project, region, service and URL the way gcloud users expect:
 * project: flag > CLOUDSDK_CORE_PROJECT > GOOGLE_CLOUD_PROJECT > runbook > gcloud [core] project;
 * region: flag > CLOUDSDK_RUN_REGION > runbook > gcloud [run] region; several (a fleet) from the same
 * sources, as a comma list or the runbook's {@code service.regions}.
 */
public final class TargetResolver {
    private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern PROJECT = Pattern.compile("[a-z][-a-z0-9.:]{3,62}[a-z0-9]");

    private final Map<String, String> env;

    public TargetResolver(Map<String, String> env) {
        this.env = env;
    }

    public record Flags(String project, String region, String service, String url) {
    }

    /**
     * The regions to act on, in the order given: {@code --region} (a comma list), else
     * CLOUDSDK_RUN_REGION (the same), else the runbook's {@code service.regions} or {@code region},
     * else gcloud [run] region; empty when none names one. An empty name, a name given twice or an
     * invalid one is exit 2.
     */
    public List<String> regions(String flag, Runbook runbook) {
        Runbook.ServiceConfig cfg = runbook.service();
        String given = first(flag, env.get("CLOUDSDK_RUN_REGION"));
        List<String> regions;
        if (given != null) {
            regions = split(given, first(flag) != null ? "--region" : "CLOUDSDK_RUN_REGION");
        } else if (cfg.regions() != null) {
            regions = cfg.regions();
        } else if (cfg.region() != null) {
            regions = List.of(cfg.region());
        } else {
            String gcloud = gcloudConfig().get("run.region");
            regions = gcloud == null ? List.of() : split(gcloud, "gcloud's run/region");
        }
        regions.forEach(r -> require(NAME, r, "region"));
        return regions;
    }

    private static List<String> split(String list, String from) {
        List<String> regions = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            String region = part.strip();
            if (region.isEmpty()) {
                throw RunbookException.invalid(from + " '" + list + "' holds an empty region name");
            }
            if (regions.contains(region)) {
                throw RunbookException.invalid(from + " '" + list + "' names " + region + " twice");
            }
            regions.add(region);
        }
        return List.copyOf(regions);
    }

    public Target resolve(Flags flags, Runbook runbook) {
        Runbook.ServiceConfig cfg = runbook.service();
        String project = first(flags.project(), env.get("CLOUDSDK_CORE_PROJECT"), env.get("GOOGLE_CLOUD_PROJECT"),
                cfg.project());
        String region = first(flags.region(), env.get("CLOUDSDK_RUN_REGION"), cfg.region());
        if (project == null || region == null) {
            Map<String, String> gcloud = gcloudConfig();
            project = project != null ? project : gcloud.get("core.project");
            region = region != null ? region : gcloud.get("run.region");
        }
        String service = flags.service() != null ? flags.service() : cfg.name();
        List<String> missing = new ArrayList<>();
        if (project == null) {
            missing.add("project (--project, CLOUDSDK_CORE_PROJECT or `gcloud config set project P`)");
        }
        if (region == null) {
            missing.add("region (--region, CLOUDSDK_RUN_REGION or `gcloud config set run/region R`)");
        }
        if (service == null) {
            missing.add("service (--service)");
        }
        if (!missing.isEmpty()) {
            // Say everything that is missing at once, and the one thing that usually gives it all.
            throw RunbookException.invalid("no " + String.join(", no ", missing) + ": give a runbook with -r FILE "
                    + "(or ROLLBACK_RUNBOOK), which names all three, or pass what is missing");
        }
        require(PROJECT, project, "project");
        require(NAME, region, "region");
        require(NAME, service, "service");
        String url = flags.url() != null ? flags.url() : cfg.url();
        if (url != null && !url.matches("https?://[^\\s/]+(/[^\\s]*)?")) {
            throw RunbookException.invalid("--url must be an http(s) URL, not '" + url + "'");
        }
        return new Target(new ServiceRef(project, region, service), Optional.ofNullable(url).map(u -> u.replaceAll("/+$", "")));
    }

    private static void require(Pattern pattern, String value, String what) {
        if (!pattern.matcher(value).matches()) {
            throw RunbookException.invalid("'" + value + "' is not a valid " + what + " name");
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /**
     * The active gcloud configuration as "section.key" → value: $CLOUDSDK_CONFIG (or ~/.config/gcloud),
     * active_config (or CLOUDSDK_ACTIVE_CONFIG_NAME), configurations/config_NAME.
     */
    Map<String, String> gcloudConfig() {
        Path dir = Optional.ofNullable(env.get("CLOUDSDK_CONFIG")).map(Path::of)
                .orElseGet(() -> Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config", "gcloud"));
        Map<String, String> values = new HashMap<>();
        try {
            String active = env.get("CLOUDSDK_ACTIVE_CONFIG_NAME");
            if (active == null) {
                Path marker = dir.resolve("active_config");
                active = Files.isRegularFile(marker) ? Files.readString(marker).trim() : "default";
            }
            Path file = dir.resolve("configurations").resolve("config_" + active);
            if (!Files.isRegularFile(file)) {
                return values;
            }
            String section = "";
            for (String raw : Files.readAllLines(file)) {
                String line = raw.strip();
                if (line.startsWith("[") && line.endsWith("]")) {
                    section = line.substring(1, line.length() - 1).strip();
                } else if (line.contains("=") && !line.startsWith("#") && !line.startsWith(";")) {
                    int eq = line.indexOf('=');
                    values.put(section + "." + line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
        } catch (IOException e) {
            // An unreadable gcloud configuration is the same as none: the error below names the other sources.
        }
        return values;
    }
}

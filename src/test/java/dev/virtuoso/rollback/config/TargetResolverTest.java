package dev.virtuoso.rollback.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.virtuoso.rollback.model.RunbookException;
import dev.virtuoso.rollback.model.ServiceRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetResolverTest {
    @TempDir
    Path gcloud;

    private final Runbook book = new Runbook(null, new Runbook.ServiceConfig("book-project", "europe-west1", "api",
            null, null), null, null, null, null, null, null, null, null);
    private static final TargetResolver.Flags NONE = new TargetResolver.Flags(null, null, null, null);

    private Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("CLOUDSDK_CONFIG", gcloud.toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void flagBeatsEnvironmentBeatsRunbook() {
        var env = env("CLOUDSDK_CORE_PROJECT", "env-project", "GOOGLE_CLOUD_PROJECT", "gc-project",
                "CLOUDSDK_RUN_REGION", "asia-east1");
        assertThat(new TargetResolver(env).resolve(new TargetResolver.Flags("flag-project", "us-east1", "svc", null), book)
                .service()).isEqualTo(new ServiceRef("flag-project", "us-east1", "svc"));
        assertThat(new TargetResolver(env).resolve(NONE, book).service())
                .isEqualTo(new ServiceRef("env-project", "asia-east1", "api"));
        assertThat(new TargetResolver(env("GOOGLE_CLOUD_PROJECT", "gc-project")).resolve(NONE, book).service())
                .isEqualTo(new ServiceRef("gc-project", "europe-west1", "api"));
        assertThat(new TargetResolver(env()).resolve(NONE, book).service())
                .isEqualTo(new ServiceRef("book-project", "europe-west1", "api"));
    }

    @Test
    void activeGcloudConfigurationIsTheLastResort() throws Exception {
        Files.writeString(gcloud.resolve("active_config"), "work\n");
        Files.createDirectories(gcloud.resolve("configurations"));
        Files.writeString(gcloud.resolve("configurations/config_work"),
                "[core]\naccount = me@example.com\nproject = cfg-project\n\n[run]\nregion = us-west1\n");
        Runbook nameOnly = new Runbook(null, new Runbook.ServiceConfig(null, null, "api", null, null), null, null, null,
                null, null, null, null, null);
        assertThat(new TargetResolver(env()).resolve(NONE, nameOnly).service())
                .isEqualTo(new ServiceRef("cfg-project", "us-west1", "api"));
    }

    @Test
    void missingProjectSaysWhereToSetIt() {
        Runbook nameOnly = new Runbook(null, new Runbook.ServiceConfig(null, "r1", "api", null, null), null, null, null,
                null, null, null, null, null);
        assertThatThrownBy(() -> new TargetResolver(env()).resolve(NONE, nameOnly))
                .hasMessage("no project (--project, CLOUDSDK_CORE_PROJECT or `gcloud config set project P`): give a "
                        + "runbook with -r FILE (or ROLLBACK_RUNBOOK), which names all three, or pass what is missing");
    }

    @Test
    void withNothingAtAllEverythingMissingIsSaidAtOnce() {
        assertThatThrownBy(() -> new TargetResolver(env()).resolve(NONE, Runbook.empty()))
                .hasMessageStartingWith("no project (--project, ").hasMessageContaining(", no region (--region, ")
                .hasMessageContaining(", no service (--service): give a runbook with -r FILE (or ROLLBACK_RUNBOOK)");
    }

    @Test
    void regionsComeFromTheFlagListTheEnvironmentTheRunbookOrGcloudInThatOrder() throws Exception {
        Runbook fleet = new Runbook(null, new Runbook.ServiceConfig("p-1234", null, "api", null,
                java.util.List.of("europe-west1", "asia-northeast1")), null, null, null, null, null, null, null, null);
        var listInEnv = env("CLOUDSDK_RUN_REGION", "us-east1,us-west1");
        assertThat(new TargetResolver(listInEnv).regions("us-central1, europe-west1", fleet))
                .containsExactly("us-central1", "europe-west1");
        assertThat(new TargetResolver(listInEnv).regions(null, fleet)).containsExactly("us-east1", "us-west1");
        assertThat(new TargetResolver(env()).regions(null, fleet)).containsExactly("europe-west1", "asia-northeast1");
        assertThat(new TargetResolver(env()).regions(null, book)).containsExactly("europe-west1");
        Files.createDirectories(gcloud.resolve("configurations"));
        Files.writeString(gcloud.resolve("configurations/config_default"), "[run]\nregion = us-west1\n");
        assertThat(new TargetResolver(env()).regions(null, Runbook.empty())).containsExactly("us-west1");
    }

    @Test
    void aRegionListWithAnEmptyOrRepeatedNameIsInvalid() {
        assertThatThrownBy(() -> new TargetResolver(env()).regions("us-central1,", book))
                .hasMessage("--region 'us-central1,' holds an empty region name");
        assertThatThrownBy(() -> new TargetResolver(env()).regions("a-1,b-1,a-1", book))
                .hasMessage("--region 'a-1,b-1,a-1' names a-1 twice");
    }

    @Test
    void badUrlFlagIsInvalid() {
        assertThatThrownBy(() -> new TargetResolver(env()).resolve(new TargetResolver.Flags(null, null, null, "ftp://x"), book))
                .isInstanceOf(RunbookException.class).hasMessageContaining("--url must be an http(s) URL");
    }
}

package dev.virtuoso.rollback.adapter.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.SecretPieces;
import dev.virtuoso.rollback.drill.Drill;
import dev.virtuoso.rollback.model.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrillReportsTest {
    private static final String KEY = "vk-demo-4f1c9e27b3d8a6052c1e";

    @TempDir
    Path dir;

    @Test
    void aStepWhoseDetailHoldsAnErrorsWordsIsWrittenWithoutAnyPieceOfTheKeyInEitherReport() throws Exception {
        Secret.Registry secrets = new Secret.Registry();
        secrets.add(new Secret(KEY));
        Drill.Step failed = new Drill.Step("route to the bad revision", "drill aborted (denied for " + KEY
                + "; its key begins " + KEY.substring(0, 12) + "…)", 1200, false);
        Drill.Report report = new Drill.Report("virtuoso-api", Instant.parse("2026-11-28T03:00:00Z"), "tester", null,
                "rollback 1.0", "virtuoso-api-00002-def", "virtuoso-api-00003-ghi", List.of(), 60_000, 120_000,
                List.of(failed), null, null, List.of(), List.of(), 0, "low", 7_200_000, false, false, false, "j-1",
                List.of(), null);

        List<Path> files = DrillReports.write(report, dir, secrets);

        assertThat(files).hasSize(2);
        for (Path f : files) {
            String written = Files.readString(f);
            assertThat(written).contains("drill aborted (denied for [redacted]; its key begins [redacted]…)");
            assertThat(SecretPieces.in(written, KEY)).as(f.toString()).isEmpty();
        }
    }

    @Test
    void theReportDirectoryIsMadeInADirectoryThatExistsButNeverItsParents() throws Exception {
        Drill.Report report = new Drill.Report("virtuoso-api", Instant.parse("2026-11-28T03:00:00Z"), "tester", null,
                "rollback 1.0", "virtuoso-api-00002-def", "virtuoso-api-00003-ghi", List.of(), 60_000, 120_000,
                List.of(), 1000L, 2000L, List.of(), List.of(), 0, "low", 7_200_000, true, true, false, "j-1",
                List.of(), null);

        DrillReports.checkWritable(dir.resolve("drills"));
        assertThat(dir.resolve("drills")).as("the check leaves nothing behind").doesNotExist();
        assertThat(DrillReports.write(report, dir.resolve("drills"), new Secret.Registry())).hasSize(2)
                .allSatisfy(f -> assertThat(f.getParent()).isEqualTo(dir.resolve("drills")));

        Path nested = dir.resolve("missing/drills");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DrillReports.checkWritable(nested))
                .hasMessage("cannot write the drill report directory " + nested + ": the directory "
                        + dir.resolve("missing") + " does not exist (create it first)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DrillReports.write(report, nested,
                new Secret.Registry())).hasMessageStartingWith("cannot write the drill report to " + nested);
        assertThat(dir.resolve("missing")).doesNotExist();
    }
}

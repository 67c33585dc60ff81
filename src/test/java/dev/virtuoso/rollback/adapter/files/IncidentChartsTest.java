package dev.virtuoso.rollback.adapter.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.virtuoso.rollback.model.MetricChart;
import dev.virtuoso.rollback.model.RevisionSeries;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentChartsTest {
    private static final Instant TO = Instant.parse("2026-12-07T03:00:00Z");
    private static final Instant FROM = TO.minus(Duration.ofHours(1));

    @TempDir
    Path dir;

    /** A broken revision for its 40 minutes, then a good one for its last 20: each minute with data. */
    static MetricChart chart() {
        List<RevisionSeries.Minute> broken = new ArrayList<>();
        List<RevisionSeries.Minute> good = new ArrayList<>();
        for (int m = 1; m <= 60; m++) {
            Instant end = FROM.plus(Duration.ofMinutes(m));
            if (m <= 40) {
                broken.add(new RevisionSeries.Minute(end, 600, 360, 8228.0));
            } else {
                good.add(new RevisionSeries.Minute(end, 600, 6, 311.0));
            }
        }
        return new MetricChart("virtuoso-api", FROM, TO, List.of(new RevisionSeries("virtuoso-api-00003-ghi", broken),
                new RevisionSeries("virtuoso-api-00002-def", good)), 20.0, 5000, FROM.plus(Duration.ofMinutes(40)));
    }

    @Test
    void thePngHasTheChartsSizeAndEachRevisionsColour() throws Exception {
        IncidentCharts.write(chart(), dir.resolve("metrics.png"), dir.resolve("metrics.svg"));

        BufferedImage png = ImageIO.read(dir.resolve("metrics.png").toFile());
        assertThat(png.getWidth()).isEqualTo(IncidentCharts.WIDTH);
        assertThat(png.getHeight()).isEqualTo(IncidentCharts.HEIGHT);
        Set<Integer> colours = new HashSet<>();
        for (int x = 0; x < png.getWidth(); x++) {
            for (int y = 0; y < png.getHeight(); y++) {
                colours.add(png.getRGB(x, y) & 0xffffff);
            }
        }
        assertThat(colours.size()).as("distinct colours: not a blank image").isGreaterThan(20);
        // Sorted by name, 00002 takes the first colour, 00003 the second.
        assertThat(colours).contains(rgb(IncidentCharts.PALETTE.get(0)), rgb(IncidentCharts.PALETTE.get(1)),
                rgb(IncidentCharts.TRIGGER));
    }

    @Test
    void theSvgDrawsOnePathPerRevisionAndPlotWithAPointPerMinuteOfData() throws Exception {
        IncidentCharts.write(chart(), dir.resolve("metrics.png"), dir.resolve("metrics.svg"));

        List<SvgPaths.Path> paths = SvgPaths.read(dir.resolve("metrics.svg"));
        Color good = IncidentCharts.PALETTE.get(0);
        Color broken = IncidentCharts.PALETTE.get(1);
        // Two plots (error rate, P95): one line per revision in each, through every minute with data,
        // and a marker on each of those minutes; the legend names each revision once with a short line
        // of two points and one marker.
        assertThat(paths.stream().filter(p -> p.line(good))).extracting(SvgPaths.Path::points)
                .containsExactlyInAnyOrder(2, 20, 20);
        assertThat(paths.stream().filter(p -> p.line(broken))).extracting(SvgPaths.Path::points)
                .containsExactlyInAnyOrder(2, 40, 40);
        assertThat(paths.stream().filter(p -> p.marker(good)).count()).isEqualTo(2 * 20 + 1);
        assertThat(paths.stream().filter(p -> p.marker(broken)).count()).isEqualTo(2 * 40 + 1);
        assertThat(Files.readString(dir.resolve("metrics.svg"))).contains("virtuoso-api-00003-ghi", "trigger 20%",
                "trigger 5000 ms", "change");
    }

    private static int rgb(Color c) {
        return c.getRGB() & 0xffffff;
    }
}

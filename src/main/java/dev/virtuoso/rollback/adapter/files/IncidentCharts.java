package dev.virtuoso.rollback.adapter.files;

import dev.virtuoso.rollback.model.MetricChart;
import dev.virtuoso.rollback.model.RevisionSeries;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.function.Function;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.time.FixedMillisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;

/**
 * The incident record's charts, drawn once by JFreeChart and written twice: as PNG, and as SVG
 * through JFreeSVG's Graphics2D (the same drawing, so the two always agree). Two plots share the
 * time axis: error rate (%) and P95 (ms), a line per revision, the triggers as dashed lines, the
 * moment of the change as a vertical line.
 */
final class IncidentCharts {
    static final int WIDTH = 960;
    static final int HEIGHT = 640;
    /** A revision's colour, by its place among the revisions (sorted by name): the same in both plots. */
    static final List<Color> PALETTE = List.of(new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf));
    static final Color TRIGGER = new Color(0xb00020);
    static final Color CHANGE = new Color(0x333333);

    static {
        // No display is needed to draw into an image; without this a desktop session's AWT would try
        // to reach one, and a server's would fail on it.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private IncidentCharts() {
    }

    /** Writes {@code png} and {@code svg}, each through a temporary file renamed into place. */
    static void write(MetricChart chart, Path png, Path svg) throws IOException {
        JFreeChart drawing = chart(chart);
        LocalFiles.replace(png, to -> ChartUtils.saveChartAsPNG(to.toFile(), drawing, WIDTH, HEIGHT));
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        drawing.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        LocalFiles.replace(svg, to -> SVGUtils.writeToSVG(to.toFile(), g.getSVGElement()));
    }

    static JFreeChart chart(MetricChart c) {
        DateAxis time = new DateAxis("time (UTC)");
        time.setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
        // A little room after the end, so a change made at the last moment is drawn inside the plot.
        long room = Math.max(120_000, java.time.Duration.between(c.from(), c.to()).toMillis() / 25);
        time.setRange(Date.from(c.from()), Date.from(c.to().plusMillis(room)));
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
        plot.setGap(12);
        plot.add(plot(c, "error rate (%)", RevisionSeries.Minute::errorPercent, c.errorRateTriggerPercent(),
                "trigger " + trim(c.errorRateTriggerPercent()) + "%", true), 1);
        plot.add(plot(c, "P95 (ms)", RevisionSeries.Minute::p95Ms, c.p95TriggerMs(),
                "trigger " + c.p95TriggerMs() + " ms", false), 1);
        JFreeChart chart = new JFreeChart(c.title(), new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static XYPlot plot(MetricChart c, String label, Function<RevisionSeries.Minute, Double> value,
                               double trigger, String triggerLabel, boolean inLegend) {
        TimeSeriesCollection data = new TimeSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        // One path per series rather than a line element per segment: the SVG then holds one path per
        // revision, whose points are the minutes drawn.
        renderer.setDrawSeriesLineAsPath(true);
        renderer.setDrawOutlines(false);
        // The combined chart's legend gathers every plot's series: the revisions are named once.
        renderer.setDefaultSeriesVisibleInLegend(inLegend);
        List<RevisionSeries> series = c.series().stream()
                .sorted(java.util.Comparator.comparing(RevisionSeries::revision)).toList();
        for (int i = 0; i < series.size(); i++) {
            RevisionSeries s = series.get(i);
            TimeSeries ts = new TimeSeries(s.revision());
            for (RevisionSeries.Minute m : s.minutes()) {
                Double v = value.apply(m);
                if (v != null) {
                    ts.addOrUpdate(new FixedMillisecond(Date.from(m.end())), v);
                }
            }
            data.addSeries(ts);
            Color colour = PALETTE.get(i % PALETTE.size());
            renderer.setSeriesPaint(i, colour);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesShape(i, new Rectangle2D.Double(-2, -2, 4, 4));
        }
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, null, axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ValueMarker threshold = new ValueMarker(trigger, TRIGGER, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        threshold.setLabel(triggerLabel);
        threshold.setLabelPaint(TRIGGER);
        threshold.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        threshold.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        plot.addRangeMarker(threshold);
        // Keep the trigger in view even when every value is far below it.
        axis.setUpperBound(Math.max(axis.getUpperBound(), trigger * 1.15));
        if (c.changeAt() != null) {
            ValueMarker change = new ValueMarker(c.changeAt().toEpochMilli(), CHANGE, new BasicStroke(1.5f));
            change.setLabel("change");
            change.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            change.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
            plot.addDomainMarker(change);
        }
        return plot;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}

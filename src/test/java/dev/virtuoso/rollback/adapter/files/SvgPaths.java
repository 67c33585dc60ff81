package dev.virtuoso.rollback.adapter.files;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The paths of an SVG file, parsed as XML: each one's stroke and fill colour (from its own style or
 * the group around it, as JFreeSVG writes them) and how many points it joins (its M and L commands).
 */
public final class SvgPaths {
    private SvgPaths() {
    }

    /** {@code stroke}/{@code fill}: null when none. */
    public record Path(Color stroke, Color fill, int points) {
        public boolean line(Color c) {
            return c.equals(stroke) && fill == null;
        }

        public boolean marker(Color c) {
            return c.equals(fill) && stroke == null;
        }
    }

    public static List<Path> read(java.nio.file.Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        // The SVG names its DTD by URL: never fetched (tests stay off the network).
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        NodeList nodes = f.newDocumentBuilder().parse(svg.toFile()).getElementsByTagNameNS("*", "path");
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            String style = e.getAttribute("style");
            Node parent = e.getParentNode();
            if (parent instanceof Element g && g.getLocalName().equals("g")) {
                style = g.getAttribute("style") + ";" + style;
            }
            String d = e.getAttribute("d");
            out.add(new Path(colour(style, "stroke"), colour(style, "fill"),
                    (int) d.chars().filter(c -> c == 'M' || c == 'L').count()));
        }
        return out;
    }

    /**
     * The colour the legend gives {@code label}: the stroke of the last line drawn before the
     * label's text (JFreeChart draws each legend item's line, then its name). Null when the legend
     * does not name it. A series is then found by what it is, not by where it falls in the palette.
     */
    public static Color legendColour(java.nio.file.Path svg, String label) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        NodeList nodes = f.newDocumentBuilder().parse(svg.toFile()).getElementsByTagNameNS("*", "*");
        Color last = null;
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getLocalName().equals("path")) {
                String style = e.getAttribute("style");
                if (e.getParentNode() instanceof Element g && g.getLocalName().equals("g")) {
                    style = g.getAttribute("style") + ";" + style;
                }
                Color stroke = colour(style, "stroke");
                if (stroke != null && colour(style, "fill") == null) {
                    last = stroke;
                }
            } else if (e.getLocalName().equals("text") && e.getTextContent().strip().equals(label)) {
                return last;
            }
        }
        return null;
    }

    /** The last {@code property}'s colour in a style (the path's own wins over its group's). */
    private static Color colour(String style, String property) {
        Matcher m = Pattern.compile("(?:^|;)\\s*" + property + ":\\s*(rgb\\((\\d+),\\s*(\\d+),\\s*(\\d+)\\)|none)")
                .matcher(style);
        Color c = null;
        while (m.find()) {
            c = m.group(1).equals("none") ? null : new Color(Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
        }
        return c;
    }
}

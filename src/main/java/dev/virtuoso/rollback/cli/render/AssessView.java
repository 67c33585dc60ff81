package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.model.MetricSample;
import dev.virtuoso.rollback.verification.Assessment;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** `assess`: whether a trigger fired, the figures it was judged on, and what to run: exit 3 when one fired. */
public final class AssessView {
    private AssessView() {
    }

    /** {@code lead} and {@code next}: what to run when a trigger fired ("roll back with", the command). */
    public static int print(Output o, Assessment a, String service, String lead, String next) {
        int code = a.fired() ? ExitCode.VERIFICATION_FAILED.code() : 0;
        if (o.json()) {
            Output.Document doc = new Output.Document(!a.fired()).put("service", service)
                    .put("recommendation", a.recommendation());
            if (a.fired()) {
                doc.put("command", next);
            }
            return o.print(doc.putAll(a).put("note", Assessment.LAG_NOTE), code);
        }
        PrintWriter out = o.out();
        Style style = o.style();
        String head = a.fired() ? style.bad("✗ trigger fired") : a.severity() == null ? style.warn("? inconclusive")
                : style.ok("✓ no trigger fired");
        out.println(head + " for " + service + ": " + a.recommendation());
        MetricSample m = a.sample();
        out.println("  requests: " + m.requests() + ", 5xx: " + m.errors() + (a.errorRate() == null ? ""
                : " (" + String.format(java.util.Locale.ROOT, "%.1f%%", a.errorRate() * 100) + ")")
                + ", P95: " + (m.p95Ms() == null ? "-" : Durations.format(Duration.ofMillis(Math.round(m.p95Ms()))))
                + ", window " + m.from().truncatedTo(ChronoUnit.SECONDS) + " .. "
                + m.to().truncatedTo(ChronoUnit.SECONDS));
        a.reasons().forEach(r -> out.println("  " + r));
        if (a.fired()) {
            out.println("  " + lead + ": " + style.bold(next));
        }
        out.println("  " + style.dim("note: " + Assessment.LAG_NOTE));
        out.flush();
        return code;
    }
}

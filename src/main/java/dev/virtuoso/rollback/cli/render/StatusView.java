package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.model.Revision;
import dev.virtuoso.rollback.model.Status;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** `status`: the service, whether a change is applying or failed, its traffic and its revisions. */
public final class StatusView {
    private StatusView() {
    }

    public static int print(Output o, Status s) {
        if (o.json()) {
            return o.document(true, s, 0);
        }
        PrintWriter out = o.out();
        Style style = o.style();
        var svc = s.service();
        out.println(style.bold(svc.ref().name()) + "  " + svc.ref().project() + "/" + svc.ref().region());
        out.println("  url: " + (svc.uri().isEmpty() ? "-" : svc.uri()));
        if (svc.applying()) {
            out.println("  " + style.warn("reconciling:") + " a change is still being applied (generation "
                    + svc.generation() + ", observed " + svc.observedGeneration() + ")");
        } else if (svc.failed()) {
            // A failed change leaves the observed generation behind: it is over, and what served still serves.
            out.println("  " + style.warn("failed:") + " " + failure(s));
        }
        out.println("  traffic:");
        List<String[]> rows = new ArrayList<>();
        for (var e : svc.trafficStatuses()) {
            String name = e.latest() ? "LATEST (= " + svc.latestReadyRevision() + ")" : e.revision();
            rows.add(new String[] {name, e.percent() + "%", e.tag() == null ? "" : e.tag(),
                    e.tag() == null ? "" : svc.tagUrls().getOrDefault(e.tag(), "")});
        }
        Render.table(rows, "    ").forEach(out::println);
        if (!svc.servesLatest()) {
            out.println("  " + style.warn("pinned:") + " new deployments get 0% until `rollback quick --to-latest`");
        }
        out.println("  revisions (newest first):");
        Map<String, Integer> serving = svc.serving();
        rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "READY", "SERVING", "CREATED", "IMAGE"});
        for (Revision r : s.revisions()) {
            rows.add(new String[] {r.name(), r.ready() ? "yes" : style.bad("no"),
                    serving.getOrDefault(r.name(), 0) + "%", r.created().truncatedTo(ChronoUnit.SECONDS).toString(), r.image() == null ? "" : r.image()});
        }
        Render.table(rows, "    ").forEach(out::println);
        out.flush();
        return 0;
    }

    /**
     * Why the last change did not take effect. A failed deploy is named by its revision, the newest one
     * created, which never became Ready, and by its image; what served before it still serves. Cloud Run
     * says which revision a failure is about only in the message ("Revision 'R' is not ready and cannot
     * serve traffic."): an older revision that never started, left there, does not make a failed
     * traffic change a deploy.
     */
    private static String failure(Status s) {
        var svc = s.service();
        return s.revisions().stream().filter(r -> !r.ready() && r.name().equals(svc.latestCreatedRevision())
                        && !r.name().equals(svc.latestReadyRevision()) && svc.failure().contains("'" + r.name() + "'"))
                .findFirst()
                .map(r -> "the deploy of " + r.name() + (r.image() == null ? "" : " (" + r.image() + ")") + " failed: "
                        + "it never became Ready and serves nothing; what served before still serves. " + svc.failure())
                .orElse("the last change did not take effect: " + svc.failure());
    }
}

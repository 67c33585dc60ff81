package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.config.Durations;
import dev.virtuoso.rollback.model.ExitCode;
import java.io.PrintWriter;
import java.time.Duration;

/** What a change did (quick, image, git, tag, the restores, undo, alert-policy --apply): exit 3 when its checks failed. */
public final class ActionView {
    private ActionView() {
    }

    public static int print(Output o, ActionResult r) {
        int code = r.ok() ? 0 : ExitCode.VERIFICATION_FAILED.code();
        if (o.json()) {
            return o.document(r.ok(), r, code);
        }
        PrintWriter out = o.out();
        Style style = o.style();
        String took = " (" + Durations.format(Duration.ofMillis(r.durationMs())) + ")";
        switch (r.outcome()) {
            case unchanged -> out.println(style.ok("✓") + " " + r.summary() + "; nothing to do" + took);
            case planned -> out.println(r.summary());
            case skipped -> out.println(style.ok("✓") + " not sent: " + r.summary() + "; nothing changed" + took);
            case applied -> {
                out.println((r.ok() ? style.ok("✓") : style.bad("✗")) + " " + r.summary() + took);
                PlanView.blocks(r.shown(), "  ").forEach(out::println);
            }
        }
        if (r.verification() != null) {
            VerifyView.checks(o, r.verification());
        }
        if (r.outcome() == ActionResult.Outcome.applied) {
            r.notes().forEach(n -> out.println("  " + style.warn("note:") + " " + n));
            out.println("  journal: " + r.journalId() + " (undo with `rollback undo " + r.journalId() + "`)");
        }
        out.flush();
        return code;
    }
}

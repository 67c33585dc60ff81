package dev.virtuoso.rollback.cli.render;

import dev.virtuoso.rollback.change.ActionResult;
import dev.virtuoso.rollback.model.ExitCode;
import dev.virtuoso.rollback.respond.Respond;
import java.io.PrintWriter;

/** `respond`: one line saying what was done and why, or the rollback's summary when one was planned or made. */
public final class RespondView {
    private RespondView() {
    }

    public static int print(Output o, Respond.Result r) {
        int code = r.ok() ? 0 : ExitCode.VERIFICATION_FAILED.code();
        ActionResult rollback = r.rollback();
        boolean shown = rollback != null && (rollback.outcome() == ActionResult.Outcome.applied
                || rollback.outcome() == ActionResult.Outcome.planned);
        if (o.json()) {
            return o.print(new Output.Document(r.ok()).put("action", r.action()).put("reason", r.reason())
                    .put("incident", r.incident()).put("result", rollback), code);
        }
        PrintWriter out = o.out();
        Style style = o.style();
        switch (r.action()) {
            case rolledBack -> { } // said before the plan, as it started
            case notified -> out.println(style.warn("notified") + ": " + r.reason());
            case skipped -> out.println((shown ? "" : style.ok("✓") + " ") + r.reason());
        }
        out.flush();
        return shown ? ActionView.print(o, rollback) : code;
    }
}
